"""The errors of logging in: wrong credentials (HTTP 401) and too many failures (HTTP 429)."""

from __future__ import annotations

from clientbase.errors import PermissionDeniedError


class AuthenticationError(PermissionDeniedError):
    """No valid credentials: a wrong user name or password, or an expired or revoked session or token."""


class LoginThrottledError(AuthenticationError):
    """Too many failed log-ins for a user name in a row; ``retry_after`` seconds until the next try counts."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
