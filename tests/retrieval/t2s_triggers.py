"""Builds retrieval/data/t2s_triggers.txt from the installed OpenCC's t2s dictionaries.

``python -m tests.retrieval.t2s_triggers`` rewrites the file (after an OpenCC upgrade);
test_normalize.py checks that it is what this gives. A text holding none of the
characters listed is left as it is by OpenCC's t2s, so :func:`retrieval.normalize.normalize`
skips the conversion for it: the list holds every character an entry of one character
changes, and one character (the rarest by jieba's dictionary) of every longer entry that
changes and holds none of those.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import tempfile
from pathlib import Path

import opencc

from retrieval.normalize import T2S_TRIGGERS_FILE

CLIB = Path(opencc.__file__).resolve().parent / "clib"


def _dictionary_files() -> list[Path]:
    config = json.loads((CLIB / "share" / "opencc" / "t2s.json").read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(node: dict) -> None:
        if node.get("type") == "group":
            for child in node["dicts"]:
                walk(child)
        else:
            names.append(node["file"])

    for step in config.get("normalization", []) + config["conversion_chain"]:
        walk(step["dict"])
    return [CLIB / "share" / "opencc" / name for name in names]


def _entries(path: Path) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dict.txt"
        env = {**os.environ, "LD_LIBRARY_PATH": str(CLIB / "lib64")}
        command = [str(CLIB / "bin" / "opencc_dict"), "-i", str(path), "-o", str(out)]
        subprocess.run([*command, "-f", "ocd2", "-t", "text"], check=True, env=env)
        rows = []
        for line in out.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t")
            rows.append((key, values.split(" ")[0]))
        return rows


def _char_frequencies() -> dict[str, int]:
    import jieba

    freq: dict[str, int] = {}
    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        word, count, *_ = line.split(" ")
        if len(word) == 1:
            freq[word] = int(count)
    return freq


def triggers() -> str:
    """The trigger characters, sorted, as one string."""
    entries = [entry for path in _dictionary_files() for entry in _entries(path)]
    found = {key for key, value in entries if len(key) == 1 and value != key}
    freq = _char_frequencies()
    for key, value in entries:
        if len(key) > 1 and value != key and not found.intersection(key):
            found.add(min(key, key=lambda ch: (freq.get(ch, 0), ch)))
    return "".join(sorted(found))


def render() -> str:
    chars = triggers()
    version = importlib.metadata.version("OpenCC")
    lines = [f"# OpenCC {version} t2s: a text with none of these characters is left as it is"]
    lines += [chars[i : i + 64] for i in range(0, len(chars), 64)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    T2S_TRIGGERS_FILE.write_text(render(), encoding="utf-8")
