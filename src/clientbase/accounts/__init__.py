"""Accounts: the users are the ``managers`` table; this package gives them passwords (argon2 hashes), web
sessions, API tokens, log-in throttling and the head's user management. The web app and the ``clientbase user``
commands share it; the registry's roles (:mod:`clientbase.registry.access`) decide what a user may do."""
