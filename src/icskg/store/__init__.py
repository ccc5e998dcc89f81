"""Where the built graph lives and how it is queried: one interface, two stores.

- :mod:`~icskg.store.base`: the :class:`Store` interface, its errors, :class:`Limits` and the
  answer types every caller sees.
- :mod:`~icskg.store.embedded`: pyoxigraph on disk (the default), built atomically
  (:mod:`~icskg.store.builds`), its bounded queries run in killable query processes
  (:mod:`~icskg.store.executor`) by the dataset rules of :mod:`~icskg.store.oxigraph`.
- :mod:`~icskg.store.remote`: an existing SPARQL server over HTTP, with what differs between
  servers in :mod:`~icskg.store.dialects`.
- :mod:`~icskg.store.factory`: :func:`~icskg.store.factory.open_store`, the store the settings
  name.

Callers import the interface and the embedded store from here, and open a store with
``icskg.store.factory.open_store``; this module does not import the remote store, so neither a
query process nor anything else that needs only the embedded store loads the HTTP client.
Modules inside the package import their siblings, never this one.
"""

from __future__ import annotations

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

__all__ = [
    "Busy", "EmbeddedStore", "GraphSource", "Limits", "QueryEngineFailure", "QueryEvaluationError",
    "QueryResult", "QuerySyntaxError", "QueryTimeout", "Store", "StoreError",
]
