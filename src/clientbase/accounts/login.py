"""Checking a user name and password, with throttling after repeated failures.

After :data:`FREE_FAILURES` failed log-ins in a row for one user name, the name is locked for
:data:`FIRST_LOCK`, doubling with every further failure up to :data:`LONGEST_LOCK`; while locked no password
is checked (so guessing cannot go on), and a success clears the count. The count is per user name, so it holds
across browsers, API clients and server workers (it lives in the store).
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa

from clientbase import schema
from clientbase.accounts.errors import AuthenticationError, LoginThrottledError
from clientbase.accounts.passwords import verify_password
from clientbase.registry.access import Actor
from clientbase.registry.history import utc_now
from clientbase.store import Store

FREE_FAILURES = 5
FIRST_LOCK = dt.timedelta(seconds=30)
LONGEST_LOCK = dt.timedelta(minutes=15)

WRONG = "Wrong user name or password. The user name is your manager id (like M01)."


def lock_after(failures: int) -> dt.timedelta:
    """How long a user name is locked after ``failures`` failed log-ins in a row.

    Example:
        >>> [int(lock_after(n).total_seconds()) for n in (4, 5, 6, 7, 20)]
        [0, 30, 60, 120, 900]
    """
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    return min(FIRST_LOCK * 2 ** (failures - FREE_FAILURES), LONGEST_LOCK)


def _username(text: str) -> str:
    return text.strip()[:64]


def authenticate(store: Store, *, username: str, password: str) -> Actor:
    """The :class:`Actor` whose manager id is ``username`` (any case) and whose password is ``password``.

    Raises:
        LoginThrottledError: too many failures in a row; says when to try again.
        AuthenticationError: wrong name or password, no password set, or a deactivated user (one message for
            all, so the answer does not tell which user names exist).
    """
    name = _username(username)
    key = name.lower()
    lt, m, uc = schema.login_throttle, schema.managers, schema.user_credentials
    now = utc_now()
    with store.begin() as conn:
        throttle = conn.execute(sa.select(lt).where(lt.c.username == key)).first()
        if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
            wait = math.ceil((throttle.locked_until - now).total_seconds())
            raise LoginThrottledError(
                f"Too many failed log-ins for {name!r}: try again in {wait} seconds "
                "(or ask the head to set a new password).",
                retry_after=wait,
            )
        row = conn.execute(
            sa.select(m.c.manager_id, m.c.role, m.c.active, uc.c.password_hash)
            .select_from(m.outerjoin(uc, uc.c.manager_id == m.c.manager_id))
            .where(sa.func.lower(m.c.manager_id) == key)
        ).first()
    ok = verify_password(password, row.password_hash if row is not None else None)
    if ok and row is not None and row.active is not False and row.role in schema.MANAGER_ROLES:
        with store.begin() as conn:
            conn.execute(sa.delete(lt).where(lt.c.username == key))
        return Actor(row.manager_id, row.role)
    _record_failure(store, key, now)
    raise AuthenticationError(WRONG)


def _record_failure(store: Store, key: str, now: dt.datetime) -> None:
    lt = schema.login_throttle
    with store.begin() as conn:
        before = conn.execute(sa.select(lt.c.failures).where(lt.c.username == key)).scalar()
        failures = int(before or 0) + 1
        lock = lock_after(failures)
        values = {"failures": failures, "last_failure_at": now, "locked_until": now + lock if lock else None}
        if before is None:
            conn.execute(sa.insert(lt).values(username=key, **values))
        else:
            conn.execute(sa.update(lt).where(lt.c.username == key).values(**values))
