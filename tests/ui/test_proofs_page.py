"""The Proofs page: checking real bundles (file, paste, QR images) with and without a profile, making a proof with a
fake proof service, exporting JSON, and the QR codes drawn here read back by zxing-cpp."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.fakes import RecordingPresenter
from tests.ui.holdings_fakes import TREASURY, FakeHoldings
from ui.dialogs.proof_qr_dialog import ProofQrDialog
from ui.pages.proofs_page import NOT_RECORDED, RECORDED, ProofsPage
from ui.tasks import TaskRunner
from ui.widgets.proof_qr import bundle_from_images, qr_image
from wallet_app.proofs.create import Target
from wallet_app.proofs.errors import NotProvable
from wallet_app.proofs.qr_parts import bundle_parts
from wallet_app.proofs.service import Checked, check_bundle_bytes

BUNDLE_FILE = Path(__file__).parent / "data" / "proof_native.json"  # made by `custos proof create` on the demo


def real_bundle() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BUNDLE_FILE.read_bytes())
    return loaded


@dataclass
class FakeHeader:
    number: int = 64
    hash: bytes = b"\x16" * 32


@dataclass
class FakeCreated:
    bundle: dict[str, Any]
    header: FakeHeader
    notes: tuple[str, ...] = ()
    unproven: tuple[dict[str, str], ...] = ()


class FakeProofs:
    """`ProofService`'s surface: checks with the real checker and keeps what an audit log would record."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, str]] = []  # (source, outcome)
        self.targets: list[Target] = []
        self.statement_error: BaseException | None = None
        self.threads: list[int] = []

    def prove(self, targets: Sequence[Target], block: int | None = None) -> FakeCreated:
        self.threads.append(threading.get_ident())
        self.targets.extend(targets)
        return FakeCreated(real_bundle(), FakeHeader(), notes=("one note\u202e",))

    def statement(self, account: str, block: int | None = None) -> FakeCreated:
        if self.statement_error is not None:
            raise self.statement_error
        return FakeCreated(real_bundle(), FakeHeader())

    def check(self, data: bytes, *, source: str) -> Checked:
        checked = check_bundle_bytes(data)
        outcome = "unusable" if checked.verdict is None else "valid" if checked.verdict.valid else "invalid"
        self.recorded.append((source, outcome))
        return checked


@pytest.fixture
def page(qtbot: QtBot, runner: TaskRunner) -> ProofsPage:
    widget = ProofsPage()
    qtbot.addWidget(widget)
    widget.set_runner(runner)
    widget.resize(1200, 760)
    return widget


def wait_checked(qtbot: QtBot, page: ProofsPage) -> Any:
    with qtbot.waitSignal(page.sig_checked, timeout=10_000) as blocker:
        pass
    return blocker.args[0]


def test_a_real_bundle_file_checks_with_no_profile_and_says_it_was_not_recorded(qtbot: QtBot,
                                                                                page: ProofsPage) -> None:
    page.ask_paths = lambda _parent, images: [str(BUNDLE_FILE)]
    with qtbot.waitSignal(page.sig_checked, timeout=10_000) as blocker:
        page.verify_box.open_button.click()
        assert page.busy and not page.verify_box.open_button.isEnabled()  # busy while it runs
    assert blocker.args[0].verdict.valid
    assert page.result.verdict.text() == "VALID, PROVISIONAL"
    assert page.result.verdict.tone == "warn"
    assert [row.texts[0] for row in page.result.check_rows()] == ["ok"] * 4
    assert len(page.result.claim_rows()) == 1 and page.result.claim_rows()[0].texts[0] == "yes"
    assert NOT_RECORDED in page.result.source.text()
    assert page.verify_box.open_button.isEnabled()
    page.result.checks_table.selectRow(1)
    assert "account proof of" in page.result.detail.toPlainText()


def test_garbage_pasted_cannot_be_read(qtbot: QtBot, page: ProofsPage) -> None:
    assert not page.verify_box.check_button.isEnabled()
    page.verify_box.paste.setPlainText("not a bundle \u202e at all")
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.verify_box.check_button.click()
    assert page.result.verdict.text() == "CANNOT BE READ"
    assert page.result.verdict.tone == "bad"
    assert "not valid JSON" in page.result.explanation.text()


def test_a_tampered_bundle_is_invalid_and_its_failing_check_is_selected(qtbot: QtBot, page: ProofsPage) -> None:
    bundle = real_bundle()
    text = json.dumps(bundle).replace("260000000000000000000", "990000000000000000000")
    assert text != json.dumps(bundle)
    page.verify_box.paste.setPlainText(text)
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.check_pasted()
    assert page.result.verdict.text() in ("INVALID", "CANNOT BE READ")
    assert page.result.verdict.tone == "bad"
    if page.result.verdict.text() == "INVALID":
        assert "FAIL" in page.result.detail.toPlainText()


def test_with_a_profile_every_check_goes_through_the_service(qtbot: QtBot, page: ProofsPage,
                                                             runner: TaskRunner) -> None:
    proofs = FakeProofs()
    page.attach(proofs, FakeHoldings(), runner)
    page.verify_box.paste.setPlainText(BUNDLE_FILE.read_text())
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.check_pasted()
    assert proofs.recorded == [("pasted text", "valid")]
    assert RECORDED in page.result.source.text()


def test_a_missing_file_is_reported_and_not_checked(qtbot: QtBot, page: ProofsPage, tmp_path: Path) -> None:
    page.ask_paths = lambda _parent, images: [str(tmp_path / "gone.json")]
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.open_file()
    assert page.result.verdict.text() == "CANNOT BE READ"
    assert "could not be read" in page.result.explanation.text()


def attached(qtbot: QtBot, page: ProofsPage, runner: TaskRunner) -> FakeProofs:
    proofs = FakeProofs()
    page.attach(proofs, FakeHoldings(), runner)
    page.show()
    qtbot.waitUntil(lambda: page.create_box.account.count() > 0, timeout=5_000)
    index = page.create_box.account.findData(TREASURY)
    page.create_box.account.setCurrentIndex(index)
    qtbot.waitUntil(lambda: page.create_box.holding.count() > 0, timeout=5_000)
    return proofs


def test_prove_a_holding_then_export_json_and_record_it(qtbot: QtBot, page: ProofsPage, runner: TaskRunner,
                                                        tmp_path: Path) -> None:
    proofs = attached(qtbot, page, runner)
    assert "native coin" in page.create_box.holding.itemText(0)
    assert not page.create_box.export_button.isEnabled()
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.create_box.prove_button.click()
    assert proofs.targets == [Target(TREASURY, None, None)]
    assert threading.get_ident() not in proofs.threads
    assert proofs.recorded and proofs.recorded[0][1] == "valid"
    assert page.result.verdict.text() == "VALID, PROVISIONAL"
    assert "block 64" in page.create_box.status.text() and "<U+202E>" in page.create_box.status.text()
    recorded: list[tuple[str, str, Path]] = []
    page.record_export = lambda account, fmt, path: recorded.append((account, fmt, path))
    out = tmp_path / "proof.json"
    page.ask_save = lambda _parent, _name: str(out)
    with qtbot.waitSignal(page.sig_exported, timeout=10_000):
        page.create_box.export_button.click()
    assert json.loads(out.read_bytes()) == real_bundle()
    assert out.read_text().startswith("{\n  ")
    assert recorded == [(TREASURY, "json", out)]
    out.write_text("kept")
    page.export_json()  # the file exists now: refused, never overwritten
    assert out.read_text() == "kept" and "already exists" in page.problem.text()


def test_a_statement_that_cannot_be_proven_is_presented(qtbot: QtBot, page: ProofsPage, runner: TaskRunner,
                                                        presenter: RecordingPresenter) -> None:
    proofs = attached(qtbot, page, runner)
    proofs.statement_error = NotProvable("cannot be proven from storage: a test")
    page.create_box.statement_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    assert "cannot be proven from storage" in page.problem.text()
    assert any(isinstance(e, NotProvable) for e in presenter.errors)
    assert page.create_box.statement_button.isEnabled()


def test_qr_codes_drawn_here_read_back_and_check(qtbot: QtBot, page: ProofsPage, runner: TaskRunner,
                                                 tmp_path: Path) -> None:
    attached(qtbot, page, runner)
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.make_statement()
    page.create_box.qr_button.click()
    dialog = page.qr_dialog
    assert isinstance(dialog, ProofQrDialog)
    assert dialog.count == len(bundle_parts(real_bundle()))
    assert dialog.position.text() == f"Part 1 of {dialog.count}"
    dialog.ask_path = lambda _parent, _name: str(tmp_path / "codes.png")
    dialog.save_images()
    images = sorted(tmp_path.glob("codes*.png"))
    assert len(images) == dialog.count
    data, why = bundle_from_images(list(reversed(images)))
    assert why == "" and data is not None and json.loads(data) == real_bundle()
    dialog.close()
    page.ask_paths = lambda _parent, images_wanted: [str(p) for p in images] if images_wanted else []
    with qtbot.waitSignal(page.sig_checked, timeout=10_000):
        page.verify_box.images_button.click()
    assert page.result.verdict.text() == "VALID, PROVISIONAL"


def test_several_parts_have_previous_and_next(qtbot: QtBot, tmp_path: Path) -> None:
    bundle = {"padding": "x" * 2000, **real_bundle()}
    parts = [f"{p}" for p in bundle_parts({"junk": [str(i) * 40 for i in range(400)]})]
    assert len(parts) >= 1
    dialog = ProofQrDialog(["CUSTOS-PROOF:1/2:00000000:AA", "CUSTOS-PROOF:2/2:00000000:BB"], "two parts")
    qtbot.addWidget(dialog)
    assert not dialog.previous_button.isEnabled() and dialog.next_button.isEnabled()
    dialog.next_button.click()
    assert dialog.index == 1 and dialog.position.text() == "Part 2 of 2" and not dialog.next_button.isEnabled()
    image = qr_image(parts[0])
    assert not image.isNull() and image.width() == image.height()
    assert bundle["format"] == "custos.proof-bundle"


def test_images_with_no_code_say_so(tmp_path: Path) -> None:
    blank = qr_image("CUSTOS-PROOF:1/1:00000000:AA")
    blank.fill(255)
    path = tmp_path / "blank.png"
    assert blank.save(str(path))
    assert bundle_from_images([path]) == (None, "no QR code was found in blank.png")


def test_the_investor_view_only_checks(qtbot: QtBot) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    window.enter_investor_view(None)
    assert "P&roofs" in [window.pages.tabText(i) for i in range(window.pages.count())]
    assert window.proofs_page.create_box.isHidden() and not window.proofs_page.verify_box.isHidden()
