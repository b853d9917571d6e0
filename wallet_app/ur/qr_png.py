"""A text as a QR code in a PNG file, drawn from the `qrcode` package's module matrix and written with zlib, so that
the command line needs no imaging library. URs go in upper case: QR's alphanumeric mode then holds them in about
60% of the space of byte mode."""

from __future__ import annotations

import struct
import zlib


def qr_matrix(text: str, *, border: int = 4) -> list[list[bool]]:
    import qrcode  # loaded only when a code is drawn
    from qrcode.constants import ERROR_CORRECT_L

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=border)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]


def qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """`text` as a black-on-white QR code, `scale` pixels per module, as the bytes of an 8-bit greyscale PNG."""
    matrix = qr_matrix(text, border=border)
    size = len(matrix) * scale
    rows = bytearray()
    for row in matrix:
        line = b"".join(b"\x00" * scale if module else b"\xff" * scale for module in row)
        rows += (b"\x00" + line) * scale  # filter type 0 before each scan line
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + \
        _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
