"""The qr package: signed tokens, images, posters, and the ``python -m qr`` CLI."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import zlib

import pytest
import segno
from bson import ObjectId

from qr import posters, render, tokens

KEY = "test-signing-key"


def _venue_id() -> str:
    return str(ObjectId())


# --- tokens


def test_token_round_trip():
    venue_id = _venue_id()

    token = tokens.sign("venue", venue_id, 3, KEY)

    assert len(token) == 36
    assert re.fullmatch(r"[A-Za-z0-9_-]{36}", token)
    assert tokens.verify(token, KEY) == tokens.CodeClaims("venue", venue_id, 3)


def test_forged_token_is_refused():
    forged = tokens.sign("venue", _venue_id(), 1, "someone-elses-key")

    with pytest.raises(tokens.BadCode):
        tokens.verify(forged, KEY)


@pytest.mark.parametrize("position", [0, 5, 17, 20, 35])
def test_altered_token_is_refused(position):
    token = tokens.sign("venue", _venue_id(), 1, KEY)
    altered = token[:position] + ("B" if token[position] != "B" else "C")
    altered += token[position + 1 :]

    with pytest.raises(tokens.BadCode):
        tokens.verify(altered, KEY)


def test_other_kind_keeps_its_kind():
    room_id = _venue_id()

    claims = tokens.verify(tokens.sign("room", room_id, 1, KEY), KEY)

    assert claims.kind == "room"
    assert claims.object_id == room_id


def test_replaced_token_still_verifies_with_its_old_version():
    """Re-issuing bumps the record's version; the old token is genuine but
    names the old version, which is how the server answers 'replaced'."""
    venue_id = _venue_id()
    old = tokens.sign("venue", venue_id, 1, KEY)
    new = tokens.sign("venue", venue_id, 2, KEY)

    assert old != new
    assert tokens.verify(old, KEY).version == 1
    assert tokens.verify(new, KEY).version == 2


@pytest.mark.parametrize("bad", ["", "x" * 35, "x" * 37, "!" * 36, None, 36])
def test_malformed_tokens_are_refused(bad):
    with pytest.raises(tokens.BadCode):
        tokens.verify(bad, KEY)


def test_code_number():
    assert tokens.code_number("venue", "6b11a80cdc4aa514bddfbb88", 2) == "V-DFBB88-2"
    assert tokens.code_number("room", "6b11a80cdc4aa514bddfbb88", 1) == "R-DFBB88-1"


# --- images


def test_matrix_is_the_url():
    url = "https://anju.example/v/" + tokens.sign("venue", _venue_id(), 1, KEY)

    rows = render.matrix(url)

    expected = segno.make(url, error="m", micro=False).matrix
    assert len(rows) == len(expected)  # same version (size) as segno's own choice
    assert all(len(row) == len(rows) for row in rows)


def test_png_and_svg():
    url = "https://anju.example/v/abc"

    png = render.png(url, scale=4)
    svg = render.svg(url)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(render.png(url, scale=8)) > len(png)
    assert b"<svg" in svg and b"</svg>" in svg


# --- posters


def _pdf_text(pdf: bytes) -> bytes:
    """Every page's content stream, inflated (the text is in there)."""
    out = b""
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = match.group(1).strip()
        if data.endswith(b"~>"):  # reportlab wraps compressed streams in ASCII85
            data = base64.a85decode(data, adobe=True)
        try:
            out += zlib.decompress(data)
        except zlib.error:
            out += data
    return out


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"(": b"(", b")": b")"}


def _unescape(raw: bytes) -> bytes:
    def one(match: re.Match) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw)


def _shown_text(pdf: bytes) -> str:
    """The strings the pages show: fonts named in the file are simple Latin
    ones; the others are the CID font, whose text is UCS-2 big-endian."""
    latin = set(re.findall(rb"/Name /(F\d+) /Subtype /Type1", pdf))
    shown, font = [], b""
    pattern = rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj"
    for match in re.finditer(pattern, _pdf_text(pdf)):
        if match.group(1):
            font = match.group(1)
            continue
        data = _unescape(match.group(2))
        shown.append(data.decode("latin-1" if font in latin else "utf-16-be"))
    return "\n".join(shown)


def _item(n: int, kind: str = "venue") -> posters.PosterItem:
    return posters.PosterItem(
        title=f"Stall A-{n:03d}",
        subtitle="Market zone 1",
        code_number=f"V-00000{n % 10}-1",
        url=f"https://anju.example/v/{n:036d}",
        kind=kind,
    )


def test_poster_has_a_page_per_item_and_the_names():
    pdf = posters.poster_pdf([_item(1), _item(2), _item(3, "room")])

    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") == 3
    text = _shown_text(pdf)
    assert "Stall A-001" in text and "Stall A-003" in text
    assert "V-000001-1" in text
    assert "Scan with your phone" in text
    assert "扫码登记" in text


def test_poster_chinese_title_uses_the_cid_font():
    item = posters.PosterItem(
        "东村快餐", "东村", "V-ABCDEF-1", "https://a/v/x", "venue"
    )

    pdf = posters.poster_pdf([item], "A4")

    assert b"STSong-Light" in pdf
    assert "东村快餐" in _shown_text(pdf)


def test_poster_code_is_at_least_8_cm():
    pdf = posters.poster_pdf([_item(1)])
    text = _pdf_text(pdf).decode("latin-1")

    # The modules are drawn in module units under "m 0 0 m x y cm".
    scales = re.findall(r"([\d.]+) 0 0 \1 [\d.]+ [\d.]+ cm", text)
    module = max(float(scale) for scale in scales)
    rects = [
        tuple(map(int, m.groups()))
        for m in re.finditer(r"(-?\d+) (-?\d+) (\d+) 1 re", text)
    ]
    span = max(x + w for x, _, w in rects) - min(x for x, _, _ in rects)
    modules = len(render.matrix(_item(1).url))
    assert span == modules  # the finder patterns reach both edges
    assert (modules + 2 * render.BORDER) * module / 72 * 2.54 >= posters.MIN_CODE_CM


def test_poster_refuses_bad_size_and_nothing():
    with pytest.raises(ValueError):
        posters.poster_pdf([_item(1)], "A3")
    with pytest.raises(ValueError):
        posters.poster_pdf([])


# --- the CLI


def test_cli_png_and_svg(tmp_path):
    out = tmp_path / "code.png"

    done = subprocess.run(
        [sys.executable, "-m", "qr", "png", "https://anju.example/v/x", "--out", out],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    svg = tmp_path / "code.svg"
    assert (
        subprocess.run(
            [sys.executable, "-m", "qr", "svg", "https://a/v/x", "--out", svg],
            check=False,
        ).returncode
        == 0
    )
    assert b"<svg" in svg.read_bytes()


def test_cli_refuses_a_bad_command():
    done = subprocess.run(
        [sys.executable, "-m", "qr", "poster", "shop", "1", "--out", "x.pdf"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_poster_wraps_a_long_name_into_two_lines():
    item = posters.PosterItem(
        "长" * 100, "东村  " + "路" * 200, "V-1", "https://a/v/1", "venue"
    )

    shown = _shown_text(posters.poster_pdf([item])).split("\n")

    title_lines = [line for line in shown if line.startswith("长")]
    assert len(title_lines) == 2
    assert title_lines[1].endswith("…")
    assert len("".join(title_lines)) < 100  # cut, not overflowing the page
