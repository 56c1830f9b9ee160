"""The long computations the forecast and targeting pages and API routes share, each one library service
run by :class:`clientbase.web.jobs.Jobs` once per data fingerprint and scope (who may see what: the whole
base for the head and analysts, a manager's own book), so a page view or an API call reads a kept result.

The plan lines are not part of a result: the plan against the forecast reads them as they are now on the
kept customer-level forecast, so a plan set on the page shows at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from clientbase.accounts.sessions import Identity
from clientbase.forecast.service import ForecastOptions
from clientbase.web.jobs import Job, Jobs

#: how long an API call waits for a computation before it answers 202 "ask again"
API_WAIT = 8.0


class Computing(Exception):
    """A result the API is still computing: answered 202 with ``Retry-After`` (``web/errors.py``)."""

    def __init__(self, job: Job) -> None:
        super().__init__(
            f"Still computing ({job.running_for:.0f} s so far; kept once done until the data change): "
            "ask again in a few seconds."
        )
        self.job = job


def ready(job: Job) -> Any:
    """The job's result; :class:`Computing` while it runs, its library error if it failed."""
    if not job.done:
        raise Computing(job)
    return job.value


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


def _scope(user: Identity) -> str | None:
    return None if user.actor.sees_all else user.actor.manager_id


def forecast(
    request: Request, user: Identity, options: ForecastOptions, *, wait: bool | float = False
) -> Job:
    """:func:`clientbase.forecast.service.forecast_base` for ``options`` as ``user``."""
    from clientbase.forecast.service import forecast_base

    store = request.app.state.store
    return _jobs(request).of(
        store,
        ("forecast", _scope(user), options),
        lambda: forecast_base(store=store, actor=user.actor, options=options),
        wait=wait,
    )


def forecast_document(job: Job) -> dict[str, Any]:
    """The JSON document of a finished forecast job, made once (:class:`Computing` while it runs)."""
    ready(job)
    document: dict[str, Any] = job.derive("document", lambda result: result.document())
    return document


def plan_forecast(
    request: Request,
    user: Identity,
    *,
    measure: str = "net_revenue",
    horizon: int = 12,
    wait: bool | float = False,
) -> Job:
    """The customer-level forecast a plan is set against (:func:`clientbase.forecast.plan.plan_options`)."""
    from clientbase.forecast.plan import plan_options

    return forecast(request, user, plan_options(measure, horizon), wait=wait)


def acquisition(
    request: Request,
    user: Identity,
    *,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    wait: bool | float = False,
) -> Job:
    """:func:`clientbase.targeting.service.acquisition` (company figures: one result for every role)."""
    from clientbase.targeting import service

    store = request.app.state.store
    return _jobs(request).of(
        store,
        ("acquisition", as_of, since),
        lambda: service.acquisition(store=store, actor=user.actor, as_of=as_of, since=since),
        wait=wait,
    )


def targets(request: Request, user: Identity, *, wait: bool | float = False) -> Job:
    """:func:`clientbase.targeting.service.targets` of every prospect ``user`` may see (narrow it with
    :func:`clientbase.targeting.service.narrow`)."""
    from clientbase.targeting import service

    store = request.app.state.store
    return _jobs(request).of(
        store,
        ("targets", _scope(user)),
        lambda: service.targets(store=store, actor=user.actor),
        wait=wait,
    )
