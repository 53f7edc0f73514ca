"""Where :mod:`retrieval.index.persist` used to be: its public names, re-exported.

``corpus/index_cache.py`` and ``benchmarks/scale.py`` import ``load``, ``save`` and
the errors from here; once they import :mod:`retrieval.index.persist`, this module
can go.
"""

from .index.persist import (
    FORMAT_VERSION,
    MAGIC,
    IndexFileError,
    IndexMismatchError,
    PersistedIndex,
    load,
    save,
)

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "IndexFileError",
    "IndexMismatchError",
    "PersistedIndex",
    "load",
    "save",
]
