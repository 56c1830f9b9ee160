"""The only place that opens a database: :func:`connect` gives a :class:`Store` with SQLAlchemy for writes
and Ibis for reads over the same database, schema created and migrated on open."""

from clientbase.store.connection import DEFAULT_URL, Store, connect, consistent_read, parse_url

__all__ = ["DEFAULT_URL", "Store", "connect", "consistent_read", "parse_url"]
