"""The PDF form of a proof bundle (a holding statement or an ownership proof): A4 pages of text (what
`ui.proof_pdf_text` says: block, hashes in full, holdings or claims, signatures), then the whole bundle as QR codes,
four to a page, each 80 mm square (about 4.6 pixels a module when printed or rasterised at 150 dpi), captioned
"part i of n" under a paragraph on how to verify them.

The codes are drawn as vector squares from the `qrcode` package's module matrix, so they stay sharp at any zoom. The
bundle is read strictly before anything is written: a malformed one is `UnusableInput`, and nothing reaches the file.
QPainter on a QPdfWriter and QTextDocument work off the GUI thread, so this may run on a worker lane.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.proof_pdf_text import Piece, Printable, read_printable
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from PySide6.QtGui import QPainter, QPdfWriter, QTextDocument

RESOLUTION = 600  # device units per inch of the PDF writer
MARGIN_MM = 15.0
FOOTER_MM = 8.0
QR_MM = 80.0  # each code, quiet zone included
CAPTION_MM = 9.0
ROW_GAP_MM = 5.0
QR_COLUMNS = 2
BODY_PT = 9.5


class PdfNotWritten(WalletError):
    code = "pdf_not_written"


def render_bundle_pdf(bundle: Mapping[str, Any], path: Path) -> Path:
    """Write the PDF form of `bundle` to `path` (over any file there: callers refuse existing files first)."""
    from ui.statement_pdf import ensure_gui_application

    printable = read_printable(bundle)  # UnusableInput before anything is written
    ensure_gui_application()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Portrait)
    writer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter)
    writer.setTitle(f"Custos {printable.title.lower()}, block {printable.block_number}")
    writer.setCreator("Custos")
    painter = QPainter()
    if not painter.begin(writer):
        raise PdfNotWritten(f"{path} could not be written")
    try:
        _paint(painter, writer, printable)
    finally:
        painter.end()
    try:
        written = path.stat().st_size
    except OSError:
        written = 0
    if not written:
        raise PdfNotWritten(f"{path} could not be written")
    return path


def _mm(value: float) -> float:
    return value * RESOLUTION / 25.4


Slice = tuple["QTextDocument", float, float, float]
"""A piece placed on a page: (document, y on the page, top of the part shown, its height)."""


def _paint(painter: QPainter, writer: QPdfWriter, printable: Printable) -> None:
    area = writer.pageLayout().paintRectPixels(RESOLUTION)
    width, height = float(area.width()), float(area.height())
    body = height - _mm(FOOTER_MM)
    text_pages = _flow(printable.pieces, writer, width, body)
    how_to = _document(printable.how_to_html, writer, width)
    qr_pages = _qr_pages(len(printable.parts), how_to.size().height(), body)
    total = len(text_pages) + len(qr_pages)
    footer = f"Custos · {printable.title} · chain id {printable.chain_id} · block {printable.block_number:,}"
    for number, slices in enumerate(text_pages):
        if number:
            writer.newPage()
        for slice_ in slices:
            _draw(painter, width, *slice_)
        _footer(painter, width, height, footer, number + 1, total)
    for number, indices in enumerate(qr_pages):
        writer.newPage()
        top = 0.0
        if number == 0:
            _draw(painter, width, how_to, 0.0, 0.0, how_to.size().height())
            top = how_to.size().height() + _mm(2)
        for slot, index in enumerate(indices):
            row, column = divmod(slot, QR_COLUMNS)
            gap = (width - QR_COLUMNS * _mm(QR_MM)) / (QR_COLUMNS + 1)
            x = gap + column * (_mm(QR_MM) + gap)
            y = top + row * (_mm(QR_MM) + _mm(CAPTION_MM) + _mm(ROW_GAP_MM))
            _qr(painter, printable.parts[index], x, y, _mm(QR_MM))
            _caption(painter, x, y + _mm(QR_MM), f"part {index + 1} of {len(printable.parts)}")
        _footer(painter, width, height, footer, len(text_pages) + number + 1, total)


def _flow(pieces: Sequence[Piece], writer: QPdfWriter, width: float, body: float) -> list[list[Slice]]:
    """Pieces placed down the pages: each whole on one page, a heading with what follows it, a table's header row
    again above its rows on every page they continue on; a piece taller than a page is cut at its lines."""
    documents = [_document(piece.html, writer, width) for piece in pieces]
    heights = [document.size().height() for document in documents]
    repeats: dict[str, QTextDocument] = {}
    pages: list[list[Slice]] = [[]]
    y = 0.0
    for index, (piece, document, own) in enumerate(zip(pieces, documents, heights, strict=True)):
        need, after = own, index
        while pieces[after].keep_with_next and after + 1 < len(pieces):  # a heading goes with what follows
            after += 1
            need += heights[after] + _mm(pieces[after].gap)
        gap = _mm(piece.gap) if y > 0 else 0.0
        if y > 0 and y + gap + min(need, body) > body:
            pages.append([])
            y = gap = 0.0
        y += gap
        if y == 0 and piece.repeat and len(pages) > 1:
            header = repeats.setdefault(piece.repeat, _document(piece.repeat, writer, width))
            pages[-1].append((header, 0.0, 0.0, header.size().height()))
            y = header.size().height()
        if y + own <= body:
            pages[-1].append((document, y, 0.0, own))
            y += own
            continue
        from PySide6.QtCore import QSizeF

        if y > 0:  # taller than a page: from the top of a new one, cut between lines
            pages.append([])
        document.setPageSize(QSizeF(width, body))
        count = document.pageCount()
        for page in range(count):
            if page:
                pages.append([])
            pages[-1].append((document, 0.0, page * body, body))
        y = document.size().height() - (count - 1) * body
    return pages


def _draw(painter: QPainter, width: float, document: QTextDocument, y: float, top: float, height: float) -> None:
    from PySide6.QtCore import QRectF

    painter.save()
    painter.translate(0, y - top)
    document.drawContents(painter, QRectF(0, top, width, height))
    painter.restore()


def _document(html: str, writer: QPdfWriter, width: float) -> QTextDocument:
    from PySide6.QtGui import QTextDocument, QTextOption

    from ui.fonts import fixed_font

    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)  # measure in the PDF's units, not the screen's
    font = document.defaultFont()
    font.setPointSizeF(BODY_PT)
    document.setDefaultFont(font)
    family = fixed_font().family().replace("'", "")
    document.setDefaultStyleSheet(
        f".hex, tt, .addr, .num {{ font-family: '{family}', monospace; font-size: 8.5pt; }}"
        ".addr { font-size: 7pt; } .num { font-size: 8pt; }"
        "td.label { font-weight: bold; }"
        "th { background-color: #e8e8e8; text-align: left; }"
        ".small { font-size: 8pt; color: #333333; }"
        "h2 { font-size: 16pt; } h3 { font-size: 11.5pt; }")
    option = QTextOption(document.defaultTextOption())
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a long number never runs off the page
    document.setDefaultTextOption(option)
    document.setDocumentMargin(0)
    document.setHtml(html)
    document.setTextWidth(width)
    return document


def _qr_pages(count: int, how_to_height: float, body: float) -> list[list[int]]:
    """Which parts go on each page of codes: the first page has the paragraph above them."""
    cell = _mm(QR_MM) + _mm(CAPTION_MM) + _mm(ROW_GAP_MM)
    first_rows = max(int((body - how_to_height - _mm(2) + _mm(ROW_GAP_MM)) // cell), 0)
    other_rows = max(int((body + _mm(ROW_GAP_MM)) // cell), 1)
    pages: list[list[int]] = []
    index = 0
    capacity = first_rows * QR_COLUMNS
    while index < count or not pages:
        pages.append(list(range(index, min(index + capacity, count))))
        index += capacity
        capacity = other_rows * QR_COLUMNS
    return pages


def _qr(painter: QPainter, text: str, x: float, y: float, size: float) -> None:
    import qrcode  # only when a code is drawn
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QPainterPath
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = float(int(size // len(matrix)))  # whole device units: every module the same size
    left = x + (size - module * len(matrix)) / 2
    top = y + (size - module * len(matrix)) / 2
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    for row, line in enumerate(matrix):
        column = 0
        while column < len(line):
            if not line[column]:
                column += 1
                continue
            start = column
            while column < len(line) and line[column]:
                column += 1
            path.addRect(QRectF(left + start * module, top + row * module, (column - start) * module, module))
    painter.fillRect(QRectF(x, y, size, size), QColor("white"))
    painter.fillPath(path, QColor("black"))


def _caption(painter: QPainter, x: float, y: float, words: str) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QFont

    font = QFont(painter.font())
    font.setPointSizeF(10)
    font.setBold(True)
    painter.setFont(font)
    rect = QRectF(x, y, _mm(QR_MM), _mm(CAPTION_MM))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), words)


def _footer(painter: QPainter, width: float, height: float, words: str, page: int, total: int) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QFont

    font = QFont(painter.font())
    font.setPointSizeF(7.5)
    font.setBold(False)
    painter.setFont(font)
    rect = QRectF(0, height - _mm(FOOTER_MM) + _mm(3), width, _mm(FOOTER_MM) - _mm(3))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), words)
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), f"page {page} of {total}")
