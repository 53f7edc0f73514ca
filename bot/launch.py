"""The ``linli`` console script: the program imported with the cyclic collector off.

Importing the bot creates some 200,000 objects (modules, functions, classes, SQLAlchemy's
and PTB's tables) and no garbage: every collection the allocations set off walks the
growing heap and frees nothing. Off while importing, a start is ~0.07 s shorter, a tenth
of the import time (``benchmarks.load --cold-start`` imports the same way).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


@contextmanager
def collector_off() -> Iterator[None]:
    """Keep the cyclic garbage collector off inside (on again after, if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linli`` console script (:func:`bot.cli.main`)."""
    with collector_off():
        from bot import cli
    return cli.main(argv)
