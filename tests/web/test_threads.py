"""The server answers from many threads at once: the store's connections must survive that (a thread pool
that closed other threads' connections made a fifth of the requests fail under 20 clients)."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from clientbase.registry.access import Actor
from clientbase.registry.listing import ListQuery, list_counterparties
from clientbase.store import connect
from tests.web.conftest import Base


def test_many_threads_share_the_store(base: Base) -> None:
    errors: list[str] = []
    with connect(base.url) as store:
        expected = list_counterparties(store, actor=Actor("M01", "head"), query=ListQuery()).total

        def work() -> None:
            try:
                for _ in range(15):
                    page = list_counterparties(store, actor=Actor("M01", "head"), query=ListQuery(q="a"))
                    assert page.total <= expected
                    with store.begin() as conn:
                        conn.execute(sa.text("select count(*) from counterparties")).scalar_one()
            except Exception as exc:  # collected: a failing thread would otherwise pass silently
                errors.append(repr(exc))

        threads = [threading.Thread(target=work) for _ in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors[:3]
