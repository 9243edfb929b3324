"""Draw the app icons into public/ with nothing but the standard library.

A white house on the brand green: the "any" icons have rounded corners,
the maskable one is full-bleed with the house inside the 80% safe zone.
Run from pwa/: python3 scripts/make_icons.py
"""

import struct
import zlib
from pathlib import Path

GREEN = (0x07, 0xC1, 0x60)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis, for anti-aliased edges
PUBLIC = Path(__file__).resolve().parent.parent / "public"


def in_rounded_square(x, y, radius):
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def in_house(x, y):
    """A roof, a body and a door, in unit coordinates."""
    in_roof = 0.2 <= y <= 0.5 and abs(x - 0.5) <= (y - 0.2) * 1.0
    in_body = 0.28 <= x <= 0.72 and 0.46 <= y <= 0.8
    in_door = 0.44 <= x <= 0.56 and 0.6 <= y <= 0.8
    return (in_roof or in_body) and not in_door


def draw(size, maskable):
    glyph_scale = 0.72 if maskable else 1.0
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter type: none
        for px in range(size):
            background = glyph = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px + (sx + 0.5) / SAMPLES) / size
                    y = (py + (sy + 0.5) / SAMPLES) / size
                    if maskable or in_rounded_square(x, y, 0.2):
                        background += 1
                        gx = (x - 0.5) / glyph_scale + 0.5
                        gy = (y - 0.5) / glyph_scale + 0.5
                        glyph += in_house(gx, gy)
            total = SAMPLES * SAMPLES
            share = glyph / background if background else 0
            color = [round(g * (1 - share) + w * share) for g, w in zip(GREEN, WHITE)]
            row += bytes(color + [round(255 * background / total)])
        rows.append(bytes(row))
    return encode_png(size, b"".join(rows))


def encode_png(size, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main():
    PUBLIC.mkdir(exist_ok=True)
    icons = {
        "icon-192.png": (192, False),
        "icon-512.png": (512, False),
        "icon-maskable-512.png": (512, True),
        "apple-touch-icon.png": (180, True),
        "favicon-32.png": (32, False),
    }
    for name, (size, maskable) in icons.items():
        (PUBLIC / name).write_bytes(draw(size, maskable))
        print(f"wrote public/{name}")


if __name__ == "__main__":
    main()
