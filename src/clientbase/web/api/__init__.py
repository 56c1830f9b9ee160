"""The JSON API under ``/api/v1``. Each module has a ``router``; to add a resource, write
``api/<resource>.py`` and add its name here."""

API_MODULES = (
    "auth",
    "counterparties",
    "contacts",
    "analysis",
    "users",
    "forecast",
    "targeting",
    "quality",
    "duplicates",
    "decisions",
    "health",
    "imports",
)
PREFIX = "/api/v1"
