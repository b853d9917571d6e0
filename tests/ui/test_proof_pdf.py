"""The PDF form of a proof bundle, read as a person or an auditor would read it: every page rasterised at 150 dpi by
PDFium (the engine behind Qt's own PDF module, which PySide6-Essentials does not ship), its QR codes read by
zxing-cpp and joined back into the very bundle, its text searched for the hashes in full; a malformed bundle refused
in words; and "Export PDF" on the Proofs tab."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from tests.ui.holdings_fakes import TREASURY
from tests.ui.test_proofs_page import attached, page, real_bundle  # noqa: F401 (`page` is a fixture)
from ui.new_files import FileRefused
from ui.pages.proofs_export import write_new_pdf
from ui.pages.proofs_page import ProofsPage
from ui.proof_pdf import render_bundle_pdf
from ui.tasks import TaskRunner
from ui.widgets.proof_qr import read_qr_texts
from wallet_app.errors import WalletError
from wallet_app.proofs.errors import UnusableInput
from wallet_app.proofs.qr_parts import bundle_parts, join_parts

DPI = 150
MIN_CODE_MM = 60


def rasterise(path: Path) -> tuple[list[QImage], list[str]]:
    """Each page as an 8-bit grey image at 150 dpi, and each page's text."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        images, texts = [], []
        for page_ in document:
            bitmap = page_.render(scale=DPI / 72, grayscale=True)
            pixels = bytes(bitmap.buffer)
            images.append(QImage(pixels, bitmap.width, bitmap.height, bitmap.stride,
                                 QImage.Format.Format_Grayscale8).copy())
            texts.append(page_.get_textpage().get_text_range())
        return images, texts
    finally:
        document.close()


def codes_in(image: QImage) -> list[zxingcpp.Barcode]:
    """Every QR code zxing-cpp finds in the image, handed over as `ui.widgets.proof_qr.read_qr_texts` does."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = grey.width(), grey.height(), grey.bytesPerLine()
    pixels = memoryview(bytes(grey.constBits())[: stride * height]).cast("B", (height, stride))
    view = zxingcpp.ImageView(pixels, width, height, zxingcpp.ImageFormat.Lum, stride, 1)
    return list(zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)))


def read_back(path: Path) -> tuple[bytes, list[str], list[str]]:
    """The bundle joined from the PDF's codes, the texts of the codes in page order, and each page's text."""
    images, texts = rasterise(path)
    parts: list[str] = []
    for image in images:
        for code in codes_in(image):
            assert code.valid
            side = max(abs(code.position.top_right.x - code.position.top_left.x),
                       abs(code.position.bottom_left.y - code.position.top_left.y))
            assert side / DPI * 25.4 >= MIN_CODE_MM * 0.8  # the finder patterns' span: most of the printed square
            parts.append(code.text)
    return join_parts(parts), parts, texts


def flat(text: str) -> str:
    return "".join(text.split())


def signed_statement() -> dict[str, Any]:
    """The sample proof as a holding statement signed for a 2-of-3 vault: real EIP-712 and SafeMessage hashes and
    real ECDSA signatures by two fixed keys (nothing here is checked by the PDF; it prints them in full)."""
    from eth_account import Account
    from eth_account.messages import _hash_eip191_message, encode_typed_data

    from wallet_app.safe.messages import safe_message_hash

    bundle = real_bundle()
    account = bundle["claims"][0]["account"]
    bundle["statement"] = {
        "kind": "custos.holding-statement", "id": "5d1c0e7a-3f42-4c4e-9d7b-2a8f61c0b9e3",
        "issued_at": "2026-12-07T14:33:09+00:00", "account": account, "network": "Custos devnet\u202e <i>x</i>",
        "holdings": [{"asset": "native", "standard": "native", "token_id": "", "symbol": "<b>HSK</b>",
                      "balance": "260000000000000000000", "frozen": "0"}],
        "unproven": [{"asset": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "token_id": "",
                      "reason": "a rebasing balance is not kept in storage"}],
    }
    vault = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318"
    typed = {
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
                  "HoldingStatement": [{"name": "account", "type": "address"}, {"name": "block", "type": "uint256"}]},
        "primaryType": "HoldingStatement",
        "domain": {"name": "Custos holding statement", "chainId": bundle["chain_id"]},
        "message": {"account": account, "block": bundle["block"]["number"]},
    }
    digest = bytes(_hash_eip191_message(encode_typed_data(full_message=typed)))
    message_hash = safe_message_hash(vault, bundle["chain_id"], "1.4.1", digest)
    owners = [Account.from_key(bytes([index]) * 32) for index in (1, 2)]
    bundle["signatures"] = [{
        "kind": "safe-message", "vault": vault, "safe_version": "1.4.1", "typed_data": typed,
        "digest": "0x" + digest.hex(), "safe_message_hash": "0x" + message_hash.hex(), "threshold": "2",
        "signatures": [{"owner": key.address, "signature": "0x" + bytes(key.unsafe_sign_hash(message_hash)
                                                                        .signature).hex()} for key in owners]}]
    return bundle


def test_a_proof_prints_its_hashes_in_full_and_its_codes_join_back_into_the_bundle(qapp: object,
                                                                                  tmp_path: Path) -> None:
    bundle = real_bundle()
    out = render_bundle_pdf(bundle, tmp_path / "proof.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    joined, parts, texts = read_back(out)
    assert json.loads(joined) == bundle
    assert sorted(parts) == sorted(bundle_parts(bundle))  # every part, each read once
    first = texts[0]
    assert "Ownership proof" in first and "Holding statement" not in first
    assert bundle["block"]["hash"] in first  # in full, on one line
    assert bundle["block"]["state_root"] in first  # as the header says (it is read from the header's RLP)
    assert "Chain id 1770177" in first and "Block number 64" in first
    assert "0xB15BE79F8746136052e6C1b8D95bD2af495DF062 holds 260000000000000000000 base units of" in first
    assert "Not signed by a vault's quorum" in first
    everything = "\n".join(texts)
    count = len(parts)
    assert all(f"part {i} of {count}" in everything for i in range(1, count + 1))
    said = " ".join(everything.split())
    assert "custos proof verify FILE.json" in said and "Check a bundle, Read QR images" in said
    assert f"page 1 of {len(texts)}" in first


def test_a_signed_statement_prints_its_holdings_and_every_signature_in_full(qapp: object, tmp_path: Path) -> None:
    bundle = signed_statement()
    out = render_bundle_pdf(bundle, tmp_path / "statement.pdf")
    joined, _parts, texts = read_back(out)
    assert json.loads(joined) == bundle
    text = "\n".join(texts)
    assert text.startswith("Holding statement")
    statement, signature = bundle["statement"], bundle["signatures"][0]
    for value in (bundle["block"]["hash"], bundle["block"]["state_root"], statement["id"], statement["issued_at"],
                  signature["vault"], signature["digest"], signature["safe_message_hash"]):
        assert value in text
    for owner in signature["signatures"]:
        assert owner["owner"] in text
        assert owner["signature"] in flat(text)  # 65 bytes: wrapped over two lines, never shortened
    assert "2 signatures, 2 needed" in text
    assert "260000000000000000000" in text and "a rebasing balance is not kept in storage" in text
    # outside text is shown as text: no markup taken from the bundle, invisible characters made visible
    assert "<b>HSK</b>" in text and "Custos devnet<U+202E> <i>x</i>" in text


def test_a_malformed_bundle_is_refused_in_words_and_nothing_is_written(qapp: object, tmp_path: Path) -> None:
    def broken(change: Any) -> dict[str, Any]:
        bundle = copy.deepcopy(signed_statement())
        change(bundle)
        return bundle

    cases: dict[str, tuple[Any, str]] = {
        "not an object": ([1, 2], "not a JSON object"),
        "another format": (broken(lambda b: b.update(format="other")), "not a Custos proof bundle"),
        "a bad header": (broken(lambda b: b["block"].update(header_rlp="0xzz")), "header_rlp"),
        "another block's header": (broken(lambda b: b["block"].update(hash="0x" + "00" * 32)),
                                   "is not the header of block 64"),
        "a bad claim": (broken(lambda b: b["claims"][0].update(balance="-1")), "claims[0].balance"),
        "a bad statement": (broken(lambda b: b["statement"].update(holdings="all")), "statement.holdings"),
        "a bad signature": (broken(lambda b: b["signatures"][0]["signatures"][1].update(signature="0x12z")),
                            "signatures[0].signatures[1].signature"),
        "a short digest": (broken(lambda b: b["signatures"][0].update(digest="0x1234")), "signatures[0].digest"),
        "not JSON data": (broken(lambda b: b.update(extra={1, 2})), "not plain JSON data"),
    }
    for name, (bundle, words) in cases.items():
        out = tmp_path / f"{name}.pdf"
        with pytest.raises(UnusableInput) as caught:
            render_bundle_pdf(bundle, out)
        assert isinstance(caught.value, WalletError)
        assert words in caught.value.user_message, name
        assert not out.exists(), name


def test_export_pdf_on_the_proofs_tab_writes_a_new_file_and_records_it(qtbot: QtBot, page: ProofsPage,
                                                                        runner: TaskRunner, tmp_path: Path) -> None:
    assert page.export_pdf_button.parentWidget() is page.create_box
    assert not page.export_pdf_button.isEnabled()  # nothing made yet
    attached(qtbot, page, runner)
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.create_box.prove_button.click()
    assert page.export_pdf_button.isEnabled()
    recorded: list[tuple[str, str, Path]] = []
    page.record_export = lambda account, fmt, path: recorded.append((account, fmt, path))
    out = tmp_path / "proof.pdf"
    asked: list[str] = []

    def ask(_parent: object, name: str) -> str:
        asked.append(name)
        return str(out)

    page.ask_save_pdf = ask
    with qtbot.waitSignal(page.sig_exported, timeout=30_000) as blocker:
        page.export_pdf_button.click()
    assert asked == ["proof.pdf"] and blocker.args == [str(out)]
    assert recorded == [(TREASURY, "pdf", out)]
    assert json.loads(read_back(out)[0]) == real_bundle()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proof.pdf"]  # no temporary file left beside it
    written = out.read_bytes()
    page.export_pdf()  # the file exists now: refused, never overwritten
    assert out.read_bytes() == written and "already exists" in page.problem.text()
    assert len(recorded) == 1


def test_a_file_that_appears_while_the_pdf_is_typeset_is_never_overwritten(qapp: object, tmp_path: Path) -> None:
    out = tmp_path / "late.pdf"
    out.write_text("kept")
    with pytest.raises(FileRefused, match="already exists"):
        write_new_pdf(out, real_bundle(), None, "")
    assert out.read_text() == "kept"
    with pytest.raises(UnusableInput):
        write_new_pdf(tmp_path / "bad.pdf", {"format": "custos.proof-bundle"}, None, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.pdf"]


def test_the_codes_also_read_from_page_images_as_the_proofs_tab_reads_them(qapp: object, tmp_path: Path) -> None:
    out = render_bundle_pdf(real_bundle(), tmp_path / "proof.pdf")
    images, _texts = rasterise(out)
    texts: list[str] = []
    for number, image in enumerate(images, 1):
        path = tmp_path / f"page-{number}.png"
        assert image.save(str(path))
        texts += read_qr_texts(path)
    assert json.loads(join_parts(texts)) == real_bundle()
