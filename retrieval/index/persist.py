"""Saving a :class:`~retrieval.retriever.Retriever`'s index to one file, and loading it.

This module sits on top of the index and the tokenizer (a file records the
tokenizer's fingerprint, and :func:`load` returns a ready
:class:`~retrieval.retriever.Retriever`), so :mod:`retrieval.index` does not
import it.

Tokenising is the expensive part of indexing (jieba: ~0.1-0.2 M characters a
second), so a restart should not redo it. The file keeps the postings (term,
passage, tf), passage lengths and the vocabulary with its hash table (sorted term
hashes and ids: a restart need not hash and sort a million terms; files without it
load too); idf and length norms are recomputed on load (O(terms + passages)), so the
same file serves any k1 and b.

Format (little-endian), version :data:`FORMAT_VERSION`::

    8 bytes   magic b"LINLIIDX"
    u32       format version
    u32       CRC-32 of the header
    u64       header length H
    H bytes   header, UTF-8 JSON: tokenizer fingerprint, BM25 parameters, the
              caller's metadata (e.g. corpus version), counts, and for each
              array its dtype, length, offset and CRC-32
    ...       the arrays, each starting at a multiple of 64 bytes

:func:`load` checks everything: magic, version, both kinds of CRC, the
tokenizer fingerprint (options, stopword and user dictionary file hashes,
segmenter version: tokens made differently must not be mixed with a
question's), the caller's expected metadata, and the arrays' consistency.
Any failure raises :class:`IndexFileError` (or its subclass
:class:`IndexMismatchError` for a sound file built for something else) with a
message naming what is wrong; nothing is ever half-loaded.

:func:`save` writes a temporary file in the same directory, fsyncs it and
renames it over the target, so readers (other processes too) see the old file
or the new one, never a torn one.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..retriever import Retriever
from ..tokenization import Tokenizer
from .arrays import IndexArrays
from .bm25 import BM25Index

MAGIC = b"LINLIIDX"
FORMAT_VERSION = 1
_PREAMBLE = struct.Struct("<8sIIQ")  # magic, version, header CRC, header length
_ALIGN = 64
_MAX_HEADER = 16 * 1024 * 1024


class IndexFileError(Exception):
    """The file is not a usable index: missing, truncated, corrupt or of another format."""


class IndexMismatchError(IndexFileError):
    """A sound index file, but built differently from what the caller expects."""


@dataclass(frozen=True)
class PersistedIndex:
    """What :func:`load` returns.

    Attributes:
        retriever: ready to search, with the caller's tokenizer.
        keys: one int64 per passage, in index order (e.g. database passage ids).
        digests: one uint64 per passage if saved (e.g. a hash of its text).
        meta: the caller's metadata as saved.
    """

    retriever: Retriever
    keys: np.ndarray
    digests: np.ndarray | None
    meta: dict[str, Any] = field(default_factory=dict)


def _pad(n: int) -> int:
    return -n % _ALIGN


def save(
    path: str | Path,
    retriever: Retriever,
    *,
    keys: np.ndarray,
    digests: np.ndarray | None = None,
    meta: Mapping[str, Any] | None = None,
) -> int:
    """Write ``retriever``'s index to ``path`` atomically; returns the file size.

    Args:
        path: the file to (over)write; its directory must exist.
        retriever: the index and the tokenizer whose fingerprint is recorded.
        keys: int64 per passage in index order, returned by :func:`load`.
        digests: optional uint64 per passage (e.g. a hash of its text).
        meta: JSON-serialisable facts to record (and check on load).
    """
    path = Path(path)
    index = retriever.index
    arrays = index.export()
    named = _named_arrays(arrays, keys, digests)
    header = json.dumps(
        {
            "tokenizer": retriever.tokenizer.fingerprint(),
            "bm25": index.params,
            "meta": dict(meta or {}),
            "n_docs": len(arrays.doc_len),
            "n_terms": len(arrays.term_ends),
            "n_postings": len(arrays.doc_ids),
            "arrays": _layout(named),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode("utf-8")
    return _write_atomically(path, header, list(named.values()))


def _named_arrays(
    arrays: IndexArrays, keys: np.ndarray, digests: np.ndarray | None
) -> dict[str, np.ndarray]:
    """The arrays to write, in file order, after checking one key (and digest) per passage."""
    n_docs = len(arrays.doc_len)
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    if keys.shape != (n_docs,):
        raise ValueError(f"need one key per passage ({n_docs}), got {keys.shape}")
    named: dict[str, np.ndarray] = {
        "doc_len": arrays.doc_len,
        "indptr": arrays.indptr,
        "doc_ids": arrays.doc_ids,
        "tf": arrays.tf,
        "keys": keys,
    }
    if digests is not None:
        digests = np.ascontiguousarray(digests, dtype=np.uint64)
        if digests.shape != (n_docs,):
            raise ValueError(f"need one digest per passage ({n_docs}), got {digests.shape}")
        named["digests"] = digests
    # Terms as their UTF-8 bytes end to end, plus each one's end offset.
    named["terms"] = np.frombuffer(arrays.terms, np.uint8)
    named["term_ends"] = arrays.term_ends
    if arrays.term_hashes is not None and arrays.term_order is not None:
        # The term table's sorted hashes: rebuilding them is most of a restart's load.
        named["term_hashes"] = arrays.term_hashes
        named["term_order"] = arrays.term_order
    return named


def _layout(named: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """The header entry of each array (made contiguous in ``named``), offsets aligned."""
    entries: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, array in named.items():
        array = np.ascontiguousarray(array)
        named[name] = array
        entries[name] = {
            "dtype": array.dtype.str,
            "length": len(array),
            "offset": offset,
            "crc32": zlib.crc32(array.data),
        }
        offset += array.nbytes + _pad(array.nbytes)
    return entries


def _write_atomically(path: Path, header: bytes, arrays: list[np.ndarray]) -> int:
    """Write a temporary file beside ``path``, fsync it and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_PREAMBLE.pack(MAGIC, FORMAT_VERSION, zlib.crc32(header), len(header)))
            out.write(header)
            out.write(b"\0" * _pad(_PREAMBLE.size + len(header)))
            for array in arrays:
                out.write(array.data)
                out.write(b"\0" * _pad(array.nbytes))
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size


def _read_header(file: BinaryIO, path: Path) -> tuple[dict[str, Any], int]:
    preamble = file.read(_PREAMBLE.size)
    if len(preamble) < _PREAMBLE.size:
        raise IndexFileError(f"{path}: truncated (no header)")
    magic, version, crc, length = _PREAMBLE.unpack(preamble)
    if magic != MAGIC:
        raise IndexFileError(f"{path}: not a Linli index file")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{path}: index format version {version}, this Linli reads {FORMAT_VERSION}"
        )
    if length > _MAX_HEADER:
        raise IndexFileError(f"{path}: corrupt header length {length}")
    raw = file.read(length)
    if len(raw) < length or zlib.crc32(raw) != crc:
        raise IndexFileError(f"{path}: corrupt header (checksum mismatch)")
    try:
        header = json.loads(raw)
    except ValueError as exc:
        raise IndexFileError(f"{path}: corrupt header ({exc})") from exc
    data_start = _PREAMBLE.size + length + _pad(_PREAMBLE.size + length)
    return header, data_start


def _differences(saved: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    return [
        f"{key}: file has {saved.get(key)!r}, expected {value!r}"
        for key, value in expected.items()
        if saved.get(key) != value
    ]


def load(
    path: str | Path,
    tokenizer: Tokenizer,
    *,
    bm25: Mapping[str, Any] | None = None,
    expect_meta: Mapping[str, Any] | None = None,
) -> PersistedIndex:
    """Load an index saved by :func:`save`, checking it thoroughly.

    Args:
        path: the file.
        tokenizer: the tokenizer questions will use; its fingerprint must equal
            the one recorded, or the saved tokens would not match the questions'.
        bm25: BM25 parameters (k1, b, idf, epsilon) to score with; default:
            those the index was saved with.
        expect_meta: entries the saved metadata must have (e.g. a database id).

    Raises:
        IndexMismatchError: sound file, but another tokenizer, format version or
            metadata than expected.
        IndexFileError: missing, truncated or corrupt file.
    """
    path = Path(path)
    try:
        with path.open("rb") as file:
            header, data_start = _read_header(file, path)
            if problems := _differences(header.get("tokenizer", {}), tokenizer.fingerprint()):
                raise IndexMismatchError(
                    f"{path}: built by another tokenizer: " + "; ".join(problems)
                )
            meta = header.get("meta", {})
            if problems := _differences(meta, expect_meta or {}):
                raise IndexMismatchError(f"{path}: " + "; ".join(problems))
            arrays = _read_arrays(file, path, header, data_start)
    except OSError as exc:
        raise IndexFileError(f"{path}: cannot read ({exc.strerror})") from exc

    params = dict(header.get("bm25", {}))
    params.update(bm25 or {})
    index = _rebuild(path, arrays, params)
    n_docs = len(index)
    if (header.get("n_docs"), header.get("n_terms"), header.get("n_postings")) != (
        n_docs,
        index.n_terms,
        index.n_postings,
    ):
        raise IndexFileError(f"{path}: counts in the header do not match the arrays")
    keys, digests = arrays["keys"], arrays.get("digests")
    if len(keys) != n_docs or (digests is not None and len(digests) != n_docs):
        raise IndexFileError(f"{path}: passage keys do not match the passages")
    return PersistedIndex(
        retriever=Retriever(index, tokenizer), keys=keys, digests=digests, meta=meta
    )


def _rebuild(path: Path, arrays: Mapping[str, np.ndarray], params: dict[str, Any]) -> BM25Index:
    """The index of the arrays read, checked by :meth:`BM25Index.from_arrays`."""
    try:
        return BM25Index.from_arrays(
            IndexArrays(
                terms=arrays["terms"].tobytes(),
                term_ends=arrays["term_ends"],
                doc_len=arrays["doc_len"],
                indptr=arrays["indptr"],
                doc_ids=arrays["doc_ids"],
                tf=arrays["tf"],
                term_hashes=arrays.get("term_hashes"),
                term_order=arrays.get("term_order"),
            ),
            **params,
        )
    except (ValueError, TypeError) as exc:
        raise IndexFileError(f"{path}: {exc}") from exc


_DTYPES = {
    "doc_len": ("<i4",),
    "indptr": ("<i8",),
    "doc_ids": ("<i4",),
    "tf": ("|u1", "<u2", "<u4"),
    "keys": ("<i8",),
    "digests": ("<u8",),
    "terms": ("|u1",),
    "term_ends": ("<i8",),
    "term_hashes": ("<u8",),
    "term_order": ("<i4",),
}
_REQUIRED = ("doc_len", "indptr", "doc_ids", "tf", "keys", "terms", "term_ends")


def _read_arrays(
    file: BinaryIO, path: Path, header: Mapping[str, Any], data_start: int
) -> dict[str, np.ndarray]:
    entries = header.get("arrays")
    if not isinstance(entries, dict) or any(name not in entries for name in _REQUIRED):
        raise IndexFileError(f"{path}: header lists no arrays or misses some")
    file_size = os.fstat(file.fileno()).st_size
    arrays: dict[str, np.ndarray] = {}
    for name, entry in entries.items():
        if name not in _DTYPES:
            raise IndexFileError(f"{path}: unknown array {name!r}")
        try:
            dtype = np.dtype(entry["dtype"])
            length, offset, crc = int(entry["length"]), int(entry["offset"]), int(entry["crc32"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFileError(f"{path}: corrupt entry for {name!r}") from exc
        if dtype.str not in _DTYPES[name] or length < 0 or offset < 0:
            raise IndexFileError(f"{path}: bad dtype or size for {name!r}")
        start = data_start + offset
        if start + length * dtype.itemsize > file_size:
            raise IndexFileError(f"{path}: truncated ({name!r} runs past the end)")
        array = np.empty(length, dtype)
        file.seek(start)
        if file.readinto(memoryview(array).cast("B")) != array.nbytes:
            raise IndexFileError(f"{path}: truncated ({name!r})")
        if zlib.crc32(array.data) != crc:
            raise IndexFileError(f"{path}: corrupt data ({name!r} checksum mismatch)")
        arrays[name] = array
    return arrays
