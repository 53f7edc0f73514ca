"""Turn uploaded bytes into text: encodings staff really have, and clear refusals."""

from __future__ import annotations

import codecs
import unicodedata

MAX_TEXT_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")


class DecodeError(ValueError):
    """The bytes are not usable newspaper text; the message says why and what to do."""


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    # Known binary signatures that are not text even without NULs in the first block.
    return data.startswith(
        (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"%PDF", b"\x7fELF")
    )


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(
        1
        for ch in sample
        if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\r\t\f"
    )
    return bad / len(sample)


def _common_ratio(text: str) -> float:
    """Share of characters newspaper text is made of: ASCII, CJK, CJK and full-width punctuation.

    GB18030 and UTF-16 decode almost any bytes into *some* characters; junk shows up as
    a mix of rare blocks, which this catches.
    """
    sample = text[:20000]
    if not sample:
        return 1.0
    common = sum(
        1
        for ch in sample
        if ch.isascii()
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or "\u2000" <= ch <= "\u206f"
        or "\u00a0" <= ch <= "\u024f"
        or unicodedata.category(ch).startswith("S")  # symbols and emoji
    )
    return common / len(sample)


def decode_text(data: bytes, *, name: str = "the file") -> str:
    """Decode newspaper text given as UTF-8 (with or without BOM), UTF-16 with BOM or GB18030/GBK.

    Args:
        data: the raw bytes.
        name: how to call the input in error messages.

    Returns:
        The text with normalised newlines.

    Raises:
        DecodeError: empty, binary, too large or undecodable input.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise DecodeError(
            f"{name} is {len(data) // (1024 * 1024)} MB; text issues over 20 MB are not accepted"
        )
    if not data.strip():
        raise DecodeError(f"{name} is empty")
    if _looks_binary(data):
        raise DecodeError(f"{name} is not text (it looks like a binary file)")
    text: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    if text is None:
        # GB18030 is a superset of GBK and GB2312; it is tried after UTF-8 because valid
        # UTF-8 Chinese almost never decodes as GB18030 without errors, while the reverse
        # does not hold for short ASCII-heavy texts.
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        raise DecodeError(
            f"{name} is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 and try again"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _control_ratio(text) > 0.01 or _common_ratio(text) < 0.8:
        raise DecodeError(f"{name} does not look like text (too many control characters)")
    if not text.strip():
        raise DecodeError(f"{name} is empty")
    return text
