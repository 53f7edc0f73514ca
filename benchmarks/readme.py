"""Writing a benchmark's output into the README, between two marker lines of its own.

``make bench`` runs every performance benchmark with ``--readme README.md``: each
replaces what the README holds between ``<!-- NAME: start -->`` and ``<!-- NAME: end
-->`` with what it printed in that run, so no figure there outlives the code it measured.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
from collections.abc import Iterator
from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}: start -->", f"<!-- {name}: end -->"


def write_block(path: Path, name: str, lines: list[str]) -> None:
    """Replace what ``path`` holds between ``name``'s two marker lines with ``lines``."""
    start, end = markers(name)
    text = path.read_text(encoding="utf-8")
    try:
        head, rest = text.split(start + "\n", 1)
        _, tail = rest.split(end + "\n", 1)
    except ValueError:
        raise SystemExit(f"{path}: no {start!r} ... {end!r} lines") from None
    body = "\n".join(lines).strip("\n")
    path.write_text(f"{head}{start}\n\n{body}\n\n{end}\n{tail}", encoding="utf-8")
    print(f"wrote the figures into {path} ({name})")


def machine() -> str:
    """The machine and its load now, for the record of a run."""
    return (
        f"load average {os.getloadavg()[0]:.1f} at the start; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


class _Tee(io.TextIOBase):
    def __init__(self, *streams: io.TextIOBase) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


@contextlib.contextmanager
def into_readme(path: Path | None, name: str) -> Iterator[None]:
    """Print as usual; with ``path``, also write all that was printed into its ``name``
    block once the run ends (not if it failed)."""
    if path is None:
        yield
        return
    out = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, out)):  # type: ignore[type-var]
        print(machine())
        yield
    write_block(path, name, out.getvalue().splitlines())
