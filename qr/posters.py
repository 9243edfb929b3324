"""Printable posters: one page per venue or room, many pages in one PDF.

Each page has the place's title and area, its code drawn large (at least 8 cm,
so a phone reads it from a metre away), the code number to quote on the phone,
and short instructions in Chinese with an English line under them.

Chinese text uses reportlab's built-in CID font ``STSong-Light``: PDF readers
bring the glyphs themselves, so nothing has to be installed on the server and
the files stay small. The QR matrix is drawn as vector rectangles, one per run
of dark modules in a row, rather than embedding images: 1,000 pages take a few
seconds (docs/codes.md).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from qr import render

SIZES = {"A5": A5, "A4": A4}
CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
MIN_CODE_CM = 8.0

INSTRUCTIONS = {
    "venue": (
        "在此工作的人员请用手机扫码登记（约两分钟）。",
        "Working here? Scan with your phone to register (about two minutes).",
    ),
    "room": (
        "住在此房间的人员请用手机扫码登记。",
        "Living in this room? Scan with your phone to register.",
    ),
}
FOOTER = (
    "如二维码无法扫描，请向社区工作人员报上方编号。",
    "If the code does not scan, quote the number above to the community office.",
)

_font_registered = False

# Compressed streams as they are, not also wrapped in ASCII85 (reportlab's
# default, for 7-bit channels): a quarter smaller and no pure-Python encoding
# pass. Only the posters use reportlab in this process.
rl_config.useA85 = 0


@dataclass
class PosterItem:
    title: str
    subtitle: str  # the area (and address)
    code_number: str
    url: str
    kind: str  # venue | room


def _register_font() -> None:
    global _font_registered
    if not _font_registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        _font_registered = True


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` cut into lines that fit ``width``, character by character
    (Chinese has no spaces to break at)."""
    lines, current = [], ""
    for char in text:
        if current and pdfmetrics.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char.lstrip()
        else:
            current += char
    return [*lines, current] if current else lines


def _block(
    canvas: Canvas,
    text: str,
    size: float,
    smallest: float,
    width: float,
    centre: float,
    y: float,
) -> float:
    """Centred lines of Chinese (or any) text at ``y``, at most two: as large
    as ``size`` allows, no smaller than ``smallest``, then cut with an
    ellipsis. Returns the baseline of the last line."""
    if pdfmetrics.stringWidth(text, CJK_FONT, size) <= width:
        lines = [text]
    else:
        while True:
            lines = _wrap(text, CJK_FONT, size, width)
            if len(lines) <= 2 or size <= smallest:
                break
            size = max(smallest, size - 1)
        if len(lines) > 2:
            last = lines[1]
            while last and pdfmetrics.stringWidth(last + "…", CJK_FONT, size) > width:
                last = last[:-1]
            lines = [lines[0], last + "…"]

    canvas.setFont(CJK_FONT, size)
    for number, line in enumerate(lines):
        if number:
            y -= size * 1.15
        canvas.drawCentredString(centre, y, line)
    return y


def _fit(text: str, font: str, size: float, width: float) -> float:
    """The font size, at most ``size``, at which ``text`` fits ``width``."""
    measured = pdfmetrics.stringWidth(text, font, size)
    if measured <= width:
        return size
    return max(6.0, size * width / measured)


def _draw_matrix(
    canvas: Canvas, rows: Sequence[bytearray], x: float, top: float, module: float
) -> None:
    """The dark modules as one filled path of rectangles, each run of a row
    merged into one. The path is written in module units under a scaling
    transform, so every coordinate is a small integer: formatting floats is
    most of the cost of drawing with reportlab's path objects."""
    ops = []
    for r, row in enumerate(rows):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {-r - 1} {c - start} 1 re")
            else:
                c += 1
    ops.append("f")

    canvas.saveState()
    canvas.translate(x, top)
    canvas.scale(module, module)
    canvas.addLiteral("\n".join(ops))
    canvas.restoreState()


def _page(canvas: Canvas, item: PosterItem, width: float, height: float) -> None:
    margin = 1.2 * cm
    inner = width - 2 * margin
    scale = width / A5[0]  # A4 pages get everything a size larger

    centre = width / 2
    y = height - margin - 20 * scale
    y = _block(canvas, item.title, 26 * scale, 16 * scale, inner, centre, y)
    y -= 18 * scale
    y = _block(canvas, item.subtitle, 13 * scale, 9 * scale, inner, centre, y)

    rows = render.matrix(item.url)
    # Half the page's height, less what a second title or subtitle line took.
    taken = (height - margin - 20 * scale - 18 * scale) - y
    side = max(MIN_CODE_CM * cm, min(inner * 0.85, height * 0.5 - taken))
    module = side / (len(rows) + 2 * render.BORDER)
    code_top = y - 12 * scale
    left = (width - side) / 2 + render.BORDER * module
    _draw_matrix(canvas, rows, left, code_top - render.BORDER * module, module)

    y = code_top - side - 14 * scale
    canvas.setFont(LATIN_BOLD, 22 * scale)
    canvas.drawCentredString(width / 2, y, item.code_number)

    zh, en = INSTRUCTIONS.get(item.kind, INSTRUCTIONS["venue"])
    y -= 26 * scale
    canvas.setFont(CJK_FONT, _fit(zh, CJK_FONT, 13 * scale, inner))
    canvas.drawCentredString(width / 2, y, zh)
    y -= 15 * scale
    canvas.setFont(LATIN_FONT, _fit(en, LATIN_FONT, 9.5 * scale, inner))
    canvas.drawCentredString(width / 2, y, en)

    canvas.setFont(CJK_FONT, _fit(FOOTER[0], CJK_FONT, 9 * scale, inner))
    canvas.drawCentredString(width / 2, margin + 12 * scale, FOOTER[0])
    canvas.setFont(LATIN_FONT, _fit(FOOTER[1], LATIN_FONT, 7.5 * scale, inner))
    canvas.drawCentredString(width / 2, margin, FOOTER[1])


def poster_pdf(items: Sequence[PosterItem], size: str = "A5") -> bytes:
    """One PDF with a page per item (A5 or A4, portrait)."""
    if size not in SIZES:
        raise ValueError(f"unknown poster size {size!r}")
    if not items:
        raise ValueError("no items to print")

    _register_font()
    width, height = SIZES[size]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1)
    canvas.setTitle("安居 codes")
    canvas.setCreator("Anju")
    for item in items:
        _page(canvas, item, width, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
