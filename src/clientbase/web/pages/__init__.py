"""The HTML pages. Each module has a ``router`` and its ``NAV`` entries; to add a page, write
``pages/<topic>.py`` and add its name here (the layout's navigation and the app pick it up)."""

PAGE_MODULES = (
    "auth",
    "customers",
    "card",
    "users",
    "docs",
    "forecast",
    "targeting",
    "quality",
    "duplicates",
    "decide",
    "dashboard",
    "analysis",
    "health",
    "imports",
)
