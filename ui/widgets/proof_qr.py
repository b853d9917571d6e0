"""QR codes of a proof bundle's parts: drawing one into a QImage (from the `qrcode` package's module matrix, no
imaging library), and reading the codes back out of image files with zxing-cpp.

Both are plain functions that may run on a worker lane (QImage is safe off the GUI thread; QPixmap is not).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

MAX_IMAGE_BYTES = 50 * 1024 * 1024


def qr_image(text: str, *, scale: int = 4, border: int = 4) -> QImage:
    """`text` as a QR code (error correction M), black on white, `scale` pixels per module, 8-bit grey."""
    import qrcode  # only when a code is drawn
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    dark, light = b"\x00" * scale, b"\xff" * scale
    pixels = bytearray()
    for row in matrix:
        line = b"".join(dark if module else light for module in row)
        pixels += line * scale
    size = len(matrix) * scale
    return QImage(bytes(pixels), size, size, size, QImage.Format.Format_Grayscale8).copy()


def read_qr_texts(path: Path) -> list[str]:
    """The text of every QR code found in the image at `path`; ValueError (in words) when it is not an image."""
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{path.name} is not an image that can be read")
    return decode_qr_image(image)


def decode_qr_image(image: QImage, *, max_side: int | None = None) -> list[str]:
    """The text of every QR code in `image` (zxing-cpp), the image first scaled down to `max_side` pixels when
    larger (a camera frame)."""
    import zxingcpp  # only when images are read

    if max_side is not None and max(image.width(), image.height()) > max_side:
        image = image.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = grey.width(), grey.height(), grey.bytesPerLine()
    if not width or not height:
        return []
    pixels = memoryview(bytes(grey.constBits())[: stride * height]).cast("B", (height, stride))
    view = zxingcpp.ImageView(pixels, width, height, zxingcpp.ImageFormat.Lum, stride, 1)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in zxingcpp.read_barcodes(view, formats=formats) if code.text]


def bundle_from_images(paths: Sequence[Path]) -> tuple[bytes | None, str]:
    """The bundle's JSON bytes joined from the codes in `paths` (in any order), or None and why not."""
    from wallet_app.proofs.errors import UnusableInput
    from wallet_app.proofs.qr_parts import join_parts

    texts: list[str] = []
    for path in paths:
        try:
            found = read_qr_texts(path)
        except (OSError, ValueError) as exc:
            return None, str(exc) if isinstance(exc, ValueError) else f"{path.name} could not be read"
        if not found:
            return None, f"no QR code was found in {path.name}"
        texts.extend(found)
    try:
        return join_parts(texts), ""
    except UnusableInput as exc:
        return None, exc.user_message
