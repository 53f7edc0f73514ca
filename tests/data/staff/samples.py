"""Invented sample issues as staff have them: a Word file and a PDF with a Chinese text layer.

Generated rather than committed, so the bytes are readable in review. Run this module to
write them next to it for trying the bot by hand: ``python -m tests.data.staff.samples``.

The PDF is written by hand (no PDF library here writes CJK text): one page per issue,
the standard Adobe-GB1 font ``STSong-Light`` in UCS-2 encoding (viewers with Chinese fonts
render it), plus a ``ToUnicode`` map so text extraction gets the characters back, exactly
as from a PDF exported by a word processor.
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).parent

#: A 花木 issue as a Word document: headings, body paragraphs, a byline.
DOCX_ISSUE: tuple[tuple[str, str], ...] = (
    ("heading", "花木社区报"),
    ("body", "花木街道党工委、办事处 联合出版"),
    ("heading", "联洋社区新建口袋公园正式开放"),
    (
        "body",
        "9月20日，联洋社区芳甸路上的口袋公园正式向居民开放。公园占地约1200平方米，"
        "设有儿童滑梯、健身步道和一处雨水花园，每天早上6点至晚上9点开放。",
    ),
    (
        "body",
        "街道绿化市容所介绍，公园的设计征求了周边三个小区居民的意见，增设了遮阳廊架和"
        "无障碍坡道。（绿化市容所）",
    ),
    ("heading", "花木街道举办中秋邻里百家宴"),
    (
        "body",
        "9月25日晚，花木街道在市民中心广场举办中秋邻里百家宴，200多位居民带来自家拿手菜，"
        "一起品尝月饼、猜灯谜。活动还为社区里的12位独居老人送上了节日慰问品。（社区自治办 周婷）",
    ),
)

#: A 凉城 issue as a PDF: one line per entry, as a word processor lays out short paragraphs.
PDF_ISSUE: tuple[str, ...] = (
    "社区晨报",
    "凉城新村街道党工委、办事处 联合出版",
    "",
    "凉城街道开通社区助浴服务",
    "",
    "12月3日起，凉城街道为行动不便的老人开通社区助浴服务。",
    "助浴点设在复兴公寓睦邻中心，每周二和周五上午开放，每次收费30元。",
    "老人可以拨打助浴热线预约，护理员会上门接送。（社区服务办）",
    "",
    "广灵四路人行道完成修缮",
    "",
    "广灵四路人行道修缮工程于12月10日完工，更换了破损地砖1500平方米，",
    "新增盲道和路灯各20处，方便居民夜间出行。（城运中心）",
)


def docx_bytes(paragraphs: tuple[tuple[str, str], ...] = DOCX_ISSUE) -> bytes:
    """A .docx made with python-docx: ("heading", text) or ("body", text) paragraphs."""
    import docx

    document = docx.Document()
    for kind, text in paragraphs:
        if kind == "heading":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _to_unicode_cmap(chars: set[str]) -> bytes:
    codes = sorted(ord(c) for c in chars)
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(codes), 100):
        chunk = codes[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{c:04X}> <{c:04X}>" for c in chunk]
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines).encode("ascii")


def pdf_bytes(lines: tuple[str, ...] = PDF_ISSUE) -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (BMP characters only)."""
    size, leading, top = 11, 18, 800
    text_ops = [b"BT", f"/F1 {size} Tf {leading} TL 40 {top} Td".encode("ascii")]
    for line in lines:
        if line:
            text_ops.append(b"<" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj")
        text_ops.append(b"T*")
    text_ops.append(b"ET")
    content = b"\n".join(text_ops)
    cmap = _to_unicode_cmap({c for line in lines for c in line})
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 8 0 R /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def scanned_pdf_bytes() -> bytes:
    """A PDF with a page and no text layer, like a scan (an empty page here)."""
    return pdf_bytes(())


if __name__ == "__main__":
    (HERE / "huamu_2026-09.docx").write_bytes(docx_bytes())
    (HERE / "liangcheng_2026-12.pdf").write_bytes(pdf_bytes())
    print(f"wrote huamu_2026-09.docx and liangcheng_2026-12.pdf in {HERE}")
