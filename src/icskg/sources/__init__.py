"""Readers that turn the reference tables in ``data/sources/`` into RDF graphs, one named graph each.

Each reader module has ``TITLE`` (what its graph holds), ``FILES`` (the tables it reads) and
``build(directory) -> Graph``.
"""

from __future__ import annotations

from types import ModuleType

from icskg.sources import (
    govuk_organisations,
    icb_leaders,
    icbs,
    local_authorities,
    pcns,
    published_governance,
    sub_icb_locations,
    trusts,
)
from icskg.sources.common import SourceError

#: graph name -> reader, in build order.
READERS: dict[str, ModuleType] = {
    "icbs": icbs,
    "sub-icb-locations": sub_icb_locations,
    "local-authorities": local_authorities,
    "trusts": trusts,
    "pcns": pcns,
    "icb-leaders": icb_leaders,
    "govuk-organisations": govuk_organisations,
    "published-governance": published_governance,
}

__all__ = ["READERS", "SourceError"]
