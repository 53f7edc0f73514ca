"""PDFs with a laid-out text layer: runs placed by position, size and weight, as a typesetter does.

Built by hand like :mod:`tests.data.staff.samples` (the standard Adobe-GB1 font
``STSong-Light``, a bold variant by name and weight, a ``ToUnicode`` map), so the layout
stage meets what a word processor or InDesign export gives: absolute positions, headlines
in larger type, columns, first-line indents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tests.data.staff.samples import _to_unicode_cmap

PAGE_WIDTH, PAGE_HEIGHT = 595, 842


@dataclass(frozen=True)
class Run:
    x: float
    y: float
    size: float
    text: str
    bold: bool = False
    # Set as many producers do: a 1-point font scaled up by the text matrix.
    scaled: bool = False


def wrap(text: str, x: float, y: float, *, size: float, width: int, leading: float) -> list[Run]:
    """A paragraph set in lines of ``width`` characters, its first line indented two."""
    runs: list[Run] = []
    first, rest = text[: width - 2], text[width - 2 :]
    runs.append(Run(x + 2 * size, y, size, first))
    while rest:
        y -= leading
        runs.append(Run(x, y, size, rest[:width]))
        rest = rest[width:]
    return runs


def _font(number: int, descendant: int, name: str) -> bytes:
    return (
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /UniGB-UCS2-H "
        f"/DescendantFonts [{descendant} 0 R] /ToUnicode {number} 0 R >>"
    ).encode()


def layout_pdf_bytes(pages: Sequence[Sequence[Run]]) -> bytes:
    chars = {c for page in pages for run in page for c in run.text}
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: _font(5, 6, "STSong-Light"),
        4: _font(5, 8, "STSong-Light,Bold"),
        6: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>",
        7: b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
        8: b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light,Bold "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 9 0 R /DW 1000 >>",
        9: b"<< /Type /FontDescriptor /FontName /STSong-Light,Bold /Flags 262150 "
        b"/FontWeight 700 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 "
        b"/Descent -120 /CapHeight 880 /StemV 160 >>",
    }
    cmap = _to_unicode_cmap(chars)
    objects[5] = b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"
    kids = []
    number = 10
    for page in pages:
        ops = []
        for run in page:
            font = "F2" if run.bold else "F1"
            hexed = run.text.encode("utf-16-be").hex().upper()
            size, scale = (1, run.size) if run.scaled else (run.size, 1)
            ops.append(
                f"BT /{font} {size:g} Tf {scale:g} 0 0 {scale:g} {run.x:g} {run.y:g} Tm "
                f"<{hexed}> Tj ET"
            )
        content = "\n".join(ops).encode("ascii")
        objects[number] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (PAGE_WIDTH, PAGE_HEIGHT)
            + b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (number + 1)
        )
        objects[number + 1] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        kids.append(b"%d 0 R" % number)
        number += 2
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for n in sorted(objects):
        offsets[n] = len(out)
        out += b"%d 0 obj\n" % n + objects[n] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for n in range(1, size):
        out += b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)
