"""Where the built graph lives and how it is queried: one interface, two stores.

- :mod:`~icskg.store.base`: the :class:`Store` interface, its errors, :class:`Limits` and the
  answer types every caller sees.
- :mod:`~icskg.store.embedded`: pyoxigraph on disk (the default), built atomically
  (:mod:`~icskg.store.builds`), its bounded queries run in killable query processes
  (:mod:`~icskg.store.executor`) by the dataset rules of :mod:`~icskg.store.oxigraph`.
- :mod:`~icskg.store.remote`: an existing SPARQL server over HTTP, with what differs between
  servers in :mod:`~icskg.store.dialects`.

Callers import from here and open a store with :func:`open_store`; modules inside the package
import their siblings, never this one.
"""

from __future__ import annotations

from icskg.config import Settings
from icskg.store.base import (
    Busy,
    GraphSource,
    Limits,
    QueryEngineFailure,
    QueryEvaluationError,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from icskg.store.embedded import EmbeddedStore
from icskg.store.remote import RemoteStore

__all__ = [
    "Busy", "EmbeddedStore", "GraphSource", "Limits", "QueryEngineFailure", "QueryEvaluationError",
    "QueryResult", "QuerySyntaxError", "QueryTimeout", "RemoteStore", "Store", "StoreError",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings name: the SPARQL server at ``endpoint`` if one is set, else the
    embedded store in ``data_dir``."""
    if settings.endpoint:
        return RemoteStore.from_settings(settings)
    return EmbeddedStore(settings.data_dir, settings.query_processes, settings.query_memory_mb,
                         settings.query_idle_memory_mb)
