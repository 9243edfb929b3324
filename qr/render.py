"""QR images of a code's URL: PNG for screens and SVG for print shops.

Encoding uses a fixed mask pattern: segno otherwise tries all eight masks and
scores them, which costs about 8 ms a code; any mask scans, and a fixed one
brings the encoding to about 2 ms (docs/codes.md). Error correction is level
M (15 % of the symbol may be damaged or dirty and it still scans).
"""

from __future__ import annotations

import io

import segno

ERROR_LEVEL = "m"
MASK = 2  # fixed: see the module docstring
BORDER = 4  # the quiet zone the standard asks for, in modules


def encode(url: str) -> segno.QRCode:
    """The QR symbol for ``url`` (never a Micro QR: phones may not read those)."""
    return segno.make(url, error=ERROR_LEVEL, mask=MASK, micro=False, boost_error=False)


def matrix(url: str) -> tuple[bytearray, ...]:
    """Rows of dark (1) and light (0) modules, without the quiet zone."""
    return encode(url).matrix


def png(url: str, *, scale: int = 10) -> bytes:
    """A black-on-white PNG of ``url``'s code, ``scale`` pixels a module."""
    out = io.BytesIO()
    encode(url).save(out, kind="png", scale=scale, border=BORDER)
    return out.getvalue()


def svg(url: str) -> bytes:
    """A standalone SVG of ``url``'s code (a module is one user unit; it scales)."""
    out = io.BytesIO()
    encode(url).save(out, kind="svg", scale=10, border=BORDER, xmldecl=True)
    return out.getvalue()
