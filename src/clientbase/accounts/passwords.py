"""Passwords: argon2id hashes (pwdlib), a length rule, and random passwords for first starts and resets."""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from clientbase.errors import Problem, ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 200


@cache
def _hasher() -> Any:
    # one hasher per process: building it is cheap, but pwdlib is imported only when a password is used
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


def check_strength(password: str, *, field: str = "password") -> None:
    """Refuse a password that is too short or too long, saying how to fix it.

    Example:
        >>> check_strength("correct horse battery staple")
    """
    problem = None
    if len(password) < MIN_LENGTH:
        problem = f"too short: use at least {MIN_LENGTH} characters (a few words make a good one)"
    elif len(password) > MAX_LENGTH:
        problem = f"too long: use at most {MAX_LENGTH} characters"
    elif not password.strip():
        problem = "only spaces: use letters, digits or words"
    if problem:
        raise ValidationError([Problem("password", None, field, None, f"weak_password: {problem}")])


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted: two hashes of one password differ).

    Example:
        >>> hash_password("correct horse battery staple").startswith("$argon2id$")
        True
    """
    return str(_hasher().hash(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether ``password`` matches ``password_hash``; with no hash, a dummy is checked so the time is the same.

    Example:
        >>> verify_password("correct horse battery staple", hash_password("correct horse battery staple"))
        True
    """
    if not password_hash:
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return bool(_hasher().verify(password, password_hash))
    except Exception:  # a malformed hash in the table is a wrong password, not a crash
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def random_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits), for first starts and resets.

    Example:
        >>> len(random_password())
        20
    """
    return secrets.token_urlsafe(15)
