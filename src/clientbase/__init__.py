"""clientbase: one shared client base, worked through five steps.

Form it, record it to common criteria, work the current data, analyse net profit per customer, decide.
The public entry points are :func:`clientbase.store.connect` and the modules named after each concept.
"""

from clientbase.errors import ClientbaseError

__all__ = ["ClientbaseError", "__version__"]
__version__ = "0.1.0"
