"""Catalog search, the domain behind ``POST /v0/catalogs/search``, one job per module:

* :mod:`.index`: :class:`CatalogIndex`, built once over the fixture catalogs, runs searches;
* :mod:`.request`: a search request parsed and checked (400s naming the field);
* :mod:`.columns`: the query algebra over one field's values (comparisons, sorting);
* :mod:`.postings`: value → rows lookups for the id filters;
* :mod:`.selections`: the rows of recent filter sets, remembered for paging;
* :mod:`.documents`: the catalogs kept compact in memory;
* :mod:`.footprints`: planar bounds of footprints;
* :mod:`.fields`: the names a search filters and sorts on;
* :mod:`.limits`: page limits, read from the contract.

Datetime filters are parsed by :mod:`mockserver.timestamps`, geometries by :mod:`mockserver.geo`.
"""

from mockserver.catalog_search.index import CatalogIndex

__all__ = ["CatalogIndex"]
