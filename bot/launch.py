"""The ``linli`` console script: the program imported with the cyclic collector off.

Importing the bot creates some 200,000 objects (modules, functions, classes, SQLAlchemy's
and PTB's tables) that live as long as the process, and no garbage: every collection the
allocations set off walks the growing heap and frees nothing, and with the collector
merely switched off the first full collection after the import walks it all once more.
So the collector is off while importing and what the import made is then frozen
(``gc.freeze``: exempt from collections, as the bot does with its index once loaded):
a start is ~0.07 s shorter, a tenth of the import time (``benchmarks.load --cold-start``
imports the same way).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


@contextmanager
def settled_imports() -> Iterator[None]:
    """Keep the cyclic garbage collector off inside, then freeze what is alive (the
    modules imported) and switch it on again if it was on; on an error, only the latter."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linli`` console script (:func:`bot.cli.main`)."""
    with settled_imports():
        from bot import cli
    return cli.main(argv)
