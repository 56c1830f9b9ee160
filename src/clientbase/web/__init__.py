"""The web app and HTTP API (FastAPI): ``app.create_app`` builds it; ``clientbase serve`` runs it."""
