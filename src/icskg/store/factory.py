"""Which store to open: the SPARQL server at ``endpoint`` if the settings name one, else the
embedded store in ``data_dir``.

Kept apart from the package's ``__init__`` so that what only queries the embedded store (a query
process, the build) does not import the HTTP client.
"""

from __future__ import annotations

from icskg.config import Settings
from icskg.store.base import Store
from icskg.store.embedded import EmbeddedStore
from icskg.store.remote import RemoteStore


def open_store(settings: Settings) -> Store:
    """The store the settings name: the SPARQL server at ``endpoint`` if one is set, else the
    embedded store in ``data_dir``."""
    if settings.endpoint:
        return RemoteStore.from_settings(settings)
    return EmbeddedStore(settings.data_dir, settings.query_processes, settings.query_memory_mb,
                         settings.query_idle_memory_mb)
