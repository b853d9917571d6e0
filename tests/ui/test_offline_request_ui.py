"""Offline signing from the Approvals tab, on a real demo profile (a copy of `custos demo init`, the real core).

The sign-request dialog lists the owners who have not signed (a paired offline signer first, with its device), makes
the request on a worker lane and shows it as an animated QR code whose frames, drawn on screen and read back with
zxing-cpp, rebuild the request with 30% of them lost and the rest repeated and shuffled; the request's typed data
hashes to the item's safeTxHash, and the hash lines on screen are the very lines the offline signer prints (K6).
"Save as file…" writes the UR lines as `custos offline request --out` does and never overwrites. The scan dialog says
when there is no camera, refuses a bad frame in words and goes on reading (K4), names images that are not images,
and closes itself once the UR is complete. An answer to another request is refused and nothing is stored (K2); the
right one is stored as the owner's approval ("2 of 2 signatures"). Screens are grabbed in a light and a dark palette.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import BEN, CARMEN, CLIENT_VAULT, Demo, open_demo
from ui.dialogs.offline_answer import AnswerImport, offline_sources
from ui.dialogs.offline_request_dialog import OfflineRequestDialog
from ui.dialogs.offline_request_work import request_file_text
from ui.dialogs.qr_scan_dialog import QrScanDialog, SingleUrCollector
from ui.pages.approvals_page import ApprovalsPage
from ui.queue_sources import sources_from_services
from ui.tasks import TaskRunner
from ui.widgets.animated_qr import AnimatedQr
from ui.widgets.proof_qr import qr_image, read_qr_texts
from ui.widgets.qr_camera import NO_CAMERA
from wallet_app.domain.safe_tx import compute_hashes
from wallet_app.offline.rendering import COMPARE_INSTRUCTION, hash_lines
from wallet_app.offline.transport import RequestReader, read_request_lines
from wallet_app.ur.eth_requests import EthSignature
from wallet_app.ur.ur import UR, encode_ur

WAIT = 30_000
# Qt Multimedia's FFmpeg backend warns about optional acceleration libraries it cannot load on this machine.
pytestmark = pytest.mark.qt_log_ignore(r"^Couldn't (load|resolve) ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("offline-request-ui")) as opened:
        yield opened


def approving(demo: Demo) -> Any:
    """The demo's payout from the client vault that has Alice's signature and waits for a second."""
    return next(e for e in demo.services.queue.load(demo[CLIENT_VAULT])
                if e.state == "approving" and e.valid_signatures == 1)


def open_request(qtbot: QtBot, runner: TaskRunner, demo: Demo, safe_tx_hash: str, owner: str) -> OfflineRequestDialog:
    dialog = OfflineRequestDialog(runner=runner, queue=demo.services.queue,
                                  sources=sources_from_services(demo.services), offline=offline_sources(demo.services),
                                  safe_tx_hash=safe_tx_hash)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.owner.count() > 0 and not dialog.busy, timeout=WAIT)
    dialog.owner.setCurrentIndex(dialog.owner.findData(demo[owner]))
    assert dialog.owner.currentData() == demo[owner]
    with qtbot.waitSignal(dialog.sig_request_shown, timeout=WAIT):
        dialog.make_button.click()
        assert dialog.busy and dialog.busy_bar.isVisible()  # made on a worker lane, the window keeps running
    return dialog


def shown_frames(qtbot: QtBot, qr: AnimatedQr, count: int, folder: Path) -> list[str]:
    """`count` frames as drawn on screen, each saved as a PNG and read back with zxing-cpp (read_qr_texts)."""
    qr.pause()  # the test steps it
    texts: list[str] = []
    for number in range(count):
        qtbot.waitUntil(qr.step, timeout=WAIT)
        path = folder / f"frame-{number}.png"
        assert qr.current_image().save(str(path))
        assert read_qr_texts(path) == [qr.current_text()]
        texts.append(qr.current_text())
    return texts


def eip712_digest(typed: dict[str, Any]) -> bytes:
    """The EIP-712 digest by eth-account, an implementation independent of Custos's."""
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak

    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def answer_file(path: Path, answer: EthSignature) -> Path:
    path.write_text(encode_ur(UR("eth-signature", answer.to_cbor())).upper() + "\n")
    return path


def signed_answer(demo: Demo, owner: str, request_id: uuid.UUID, digest_hex: str) -> EthSignature:
    signature = demo.signer(owner).sign_digest(bytes.fromhex(digest_hex[2:]))
    return EthSignature(request_id=request_id, signature=signature.to_bytes())


def import_from_file(qtbot: QtBot, answer: AnswerImport, path: Path) -> tuple[str, str]:
    """Drive the scan dialog `answer` opened with a file; ("imported" or "refused", the words said)."""
    said: list[tuple[str, str]] = []
    answer.sig_imported.connect(lambda _entry: said.append(("imported", "")))
    answer.sig_refused.connect(lambda text: said.append(("refused", text)))
    scan = answer.scan_dialog
    assert scan is not None and scan.isVisible()
    scan.ask_file = lambda _parent: [str(path)]
    scan.file_button.click()
    qtbot.waitUntil(lambda: bool(said), timeout=WAIT)
    return said[0]


# -- the request ----------------------------------------------------------------------------------------------------

def test_the_animated_request_decodes_with_lost_repeated_and_shuffled_frames(qtbot: QtBot, runner: TaskRunner,
                                                                              demo: Demo, tmp_path: Path) -> None:
    entry = approving(demo)
    dialog = open_request(qtbot, runner, demo, entry.safe_tx_hash, CARMEN)
    made = dialog.made
    assert made is not None
    tx = demo.services.queue.entry(entry.safe_tx_hash).item.safe_tx
    # K6: the three hashes in exactly the lines the offline signer prints, and the instruction to compare them.
    assert dialog.hash_lines_shown() == hash_lines(compute_hashes(tx))
    assert dialog.instruction.text() == COMPARE_INSTRUCTION
    assert dialog.checked.text() == f"checked online at block {made.sent.block_number}: {made.sent.decision}"
    assert made.sent.decision in ("allow", "escalate") and made.sent.block_number == made.sent.check.block_number
    assert str(made.sent.sign_request.request_id) in dialog.request_id.text()
    assert not dialog.owner.isEnabled() and not dialog.make_button.isEnabled()

    qr = dialog.qr
    assert qr.cycle_length > 2 and not qr.still  # the request and the online check take several frames
    assert qr.frame_size.value() == 200 and qr.speed.value() == 4
    texts = shown_frames(qtbot, qr, 5 * qr.cycle_length, tmp_path)  # what a camera may see in a few seconds
    assert qr.position.text() == f"frame {qr.frames_shown} (the request has {qr.cycle_length} parts per cycle) — paused"
    assert len(set(texts)) == len(texts)  # fountain parts: no frame repeats
    rng = random.Random(4527)
    kept = [t for t in texts if rng.random() >= 0.3]
    frames = kept + rng.sample(kept, len(kept) // 4)
    rng.shuffle(frames)
    reader = RequestReader()
    for frame in frames:
        reader.receive(frame)
        if reader.is_complete:
            break
    assert reader.is_complete, f"{reader.progress:.0%} after {len(frames)} frames"
    read = reader.result()
    assert read.sign_request.request_id == made.sent.sign_request.request_id
    assert read.check is not None and "0x" + read.check.safe_tx_hash.hex() == entry.safe_tx_hash.lower()
    typed = json.loads(read.sign_request.sign_data)
    assert "0x" + eip712_digest(typed).hex() == entry.safe_tx_hash.lower()
    assert "0x" + read.sign_request.address.hex() == demo[CARMEN].lower()


def test_the_frame_size_speed_and_pause_of_the_animation(qtbot: QtBot) -> None:
    qr = AnimatedQr()
    qtbot.addWidget(qr)
    qr.show()
    qr.set_urs([UR("custos-check", os.urandom(2_000))])
    with qtbot.waitSignal(qr.sig_frame_shown, timeout=WAIT):
        pass  # the timer shows frames by itself
    assert qr.cycle_length == 10 and qr.current_text().startswith("UR:CUSTOS-CHECK/")
    qr.set_frame_size(1000)
    assert qr.frames_shown == 0 and qr.cycle_length == 2  # a new frame size starts again
    qtbot.waitUntil(lambda: qr.frames_shown >= 2, timeout=WAIT)
    qr.pause()
    shown = qr.frames_shown
    qtbot.wait(600)
    assert qr.frames_shown == shown and qr.pause_button.text() == "Resume"
    qr.set_speed(10)
    assert qr._timer.interval() == 100
    qr.resume()
    qtbot.waitUntil(lambda: qr.frames_shown > shown, timeout=WAIT)
    # Crisp: a whole number of pixels a module, the quiet zone white.
    side = qr_image(qr.current_text(), scale=1).width()
    image = qr.current_image()
    assert image.width() % side == 0 and image.width() // side >= 2
    assert image.pixelColor(0, 0).lightness() == 255

    qr.set_urs([UR("eth-signature", os.urandom(80))])  # fits one frame: shown still
    qtbot.waitUntil(lambda: qr.frames_shown == 1, timeout=WAIT)
    qtbot.wait(700)
    assert qr.still and qr.frames_shown == 1 and not qr.pause_button.isEnabled()
    assert qr.position.text() == "One code: everything fits a single frame"


def test_save_as_file_writes_the_ur_lines_and_never_overwrites(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                               tmp_path: Path) -> None:
    entry = approving(demo)
    dialog = open_request(qtbot, runner, demo, entry.safe_tx_hash, BEN)
    made = dialog.made
    assert made is not None
    target = tmp_path / "request.txt"
    dialog.ask_path = lambda _parent, suggested: (str(target) if suggested.startswith("sign-request-") else None)
    with qtbot.waitSignal(dialog.sig_outcome_shown, timeout=WAIT) as saved:
        dialog.save_button.click()
    assert saved.args == [f"Saved the request to {target}"]
    written = target.read_bytes()
    assert written == request_file_text(made.sent.urs)
    assert written.decode().splitlines() == [encode_ur(ur).upper() for ur in made.sent.urs]
    read = read_request_lines(written.decode().splitlines())
    assert read.sign_request.request_id == made.sent.sign_request.request_id
    with qtbot.waitSignal(dialog.sig_outcome_shown, timeout=WAIT) as refused:
        dialog.save_button.click()
    assert refused.args == [f"Not written: {target} already exists. Files are never overwritten."]
    assert dialog.outcome.tone == "bad"
    assert target.read_bytes() == written


# -- the scan dialog ------------------------------------------------------------------------------------------------

def test_without_a_camera_the_scan_dialog_says_so_and_reads_files(qtbot: QtBot, tmp_path: Path) -> None:
    collector = SingleUrCollector("eth-signature")
    dialog = QrScanDialog(collector, "Read the answer")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.camera.sig_problem, timeout=WAIT):
        dialog.camera_button.click()
    assert dialog.problem.isVisible() and dialog.problem.text() == NO_CAMERA
    assert dialog.camera.message.text() == NO_CAMERA and not dialog.camera.running
    answer = EthSignature(request_id=uuid.uuid4(), signature=os.urandom(64) + b"\x1b")
    dialog.ask_file = lambda _parent: [str(answer_file(tmp_path / "answer.txt", answer))]
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.file_button.click()
    assert dialog.source == "file" and dialog.frames_read == 1 and dialog.progress.value() == 1000
    assert EthSignature.from_cbor(collector.result().cbor) == answer


def test_a_bad_frame_is_said_and_reading_goes_on(qtbot: QtBot, tmp_path: Path) -> None:
    """K4: a code of another kind, a corrupted part and a part of another request are refused in words; nothing of
    them is kept, and the frames after them still complete the request."""
    from wallet_app.offline.transport import frames

    ours = frames([UR("eth-sign-request", os.urandom(900)), UR("custos-check", os.urandom(300))], 100, rounds=2)
    other = frames([UR("eth-sign-request", os.urandom(900))], 100, rounds=1)
    reader = RequestReader()
    dialog = QrScanDialog(reader, "Read the sign request")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.take(ours[:3], "qr")
    progress = reader.progress
    assert 0 < dialog.progress.value() < 1000 and dialog.count.text() == "3 frames read"
    for bad, words in (("UR:ETH-SIGNATURE/" + ours[0].split("/", 1)[1], "not part of a Custos sign request"),
                       (ours[3][:-12] + "ABCDABCDABCD", ""),
                       (other[1], "another message"),
                       ("https://example.com/not-a-ur", "not a UR")):
        dialog.take([bad], "qr")
        assert dialog.problem.isVisible() and words in dialog.problem.text()
        assert reader.progress == progress and dialog.count.text() == "3 frames read"  # nothing kept
        dialog.problem.clear_error()
    dialog.take(ours[:3], "qr")  # repeated: read once
    assert dialog.count.text() == "3 frames read"
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.take(ours[3:], "qr")
    assert reader.is_complete and dialog.progress.value() == 1000


def test_images_that_are_not_images_are_refused_by_name(qtbot: QtBot, tmp_path: Path) -> None:
    answer = EthSignature(request_id=uuid.uuid4(), signature=os.urandom(64) + b"\x1c")
    text = encode_ur(UR("eth-signature", answer.to_cbor())).upper()
    good = tmp_path / "answer.png"
    assert qr_image(text).save(str(good))
    fake = tmp_path / "holiday.png"
    fake.write_text("this is not an image")
    blank = tmp_path / "blank.png"
    assert qr_image("x").scaled(10, 10).save(str(blank))  # an image without a readable code
    collector = SingleUrCollector("eth-signature")
    dialog = QrScanDialog(collector, "Read the answer")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ask_images = lambda _parent: [str(fake), str(blank)]
    dialog.images_button.click()
    qtbot.waitUntil(dialog.problem.isVisible, timeout=WAIT)
    assert "holiday.png is not an image" in dialog.problem.text()
    assert "No QR code was found in blank.png" in dialog.problem.text()
    assert dialog.frames_read == 0 and dialog.isVisible()
    dialog.ask_images = lambda _parent: [str(good)]
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.images_button.click()
    assert dialog.source == "image" and collector.result().cbor == answer.to_cbor()


class FakeFrame:
    """What the camera's video sink hands over: a frame that converts to an image."""

    def __init__(self, image: Any) -> None:
        self.image = image

    def toImage(self) -> Any:
        return self.image


class FakeCamera:
    def stop(self) -> None:
        pass

    def deleteLater(self) -> None:
        pass


def test_camera_frames_are_decoded_off_the_gui_thread_a_few_a_second(qtbot: QtBot, runner: TaskRunner) -> None:
    from ui.widgets.qr_camera import DECODE_INTERVAL, CameraView

    view = CameraView(runner)
    qtbot.addWidget(view)
    view._camera = FakeCamera()  # as if a camera were running (this machine has none)
    text = encode_ur(UR("eth-signature", EthSignature(None, os.urandom(64) + b"\x1b").to_cbor())).upper()
    picture = qr_image(text, scale=3)
    with qtbot.waitSignal(view.sig_codes_read, timeout=WAIT) as read:
        view._frame_arrived(FakeFrame(picture))
        assert runner.in_flight == 1  # decoded on a worker lane: the GUI thread went on
        view._frame_arrived(FakeFrame(picture))  # while one is decoded, the next frames are dropped
        assert runner.in_flight == 1
    assert read.args == [[text]] and view.frames_decoded == 1
    view._frame_arrived(FakeFrame(picture))  # too soon after the last one: dropped
    assert runner.in_flight == 0
    qtbot.wait(round(DECODE_INTERVAL * 1000) + 20)
    with qtbot.waitSignal(view.sig_codes_read, timeout=WAIT):
        view._frame_arrived(FakeFrame(picture))
    view.stop()
    assert not view.running


def test_a_ur_of_another_type_is_refused_by_the_single_collector() -> None:
    from wallet_app.ur.errors import URError

    collector = SingleUrCollector("eth-signature")
    with pytest.raises(URError, match="type 'crypto-account', not the eth-signature"):
        collector.receive("ur:crypto-account/oeadcyemrewytyaolytaadmutaaddloxaxhdclaxwmfmdeiamecsdsemgtvsjzcncygrkowtrontzs")
    assert collector.progress == 0 and not collector.is_complete


# -- taking the answer back -----------------------------------------------------------------------------------------

def test_an_answer_for_another_request_is_refused_and_nothing_is_stored(qtbot: QtBot, runner: TaskRunner,
                                                                       demo: Demo, tmp_path: Path) -> None:
    entry = approving(demo)
    dialog = open_request(qtbot, runner, demo, entry.safe_tx_hash, CARMEN)
    assert dialog.made is not None
    request_id = dialog.made.sent.sign_request.request_id
    queue = demo.services.queue
    before = queue.entry(entry.safe_tx_hash).signers

    # Carmen's real signature of this hash, but naming another request: the dialog refuses it (it is not its request).
    other = signed_answer(demo, CARMEN, uuid.uuid4(), entry.safe_tx_hash)
    answer = dialog.import_answer()
    assert answer is not None
    outcome, words = import_from_file(qtbot, answer, answer_file(tmp_path / "other.txt", other))
    assert outcome == "refused" and f"is for request {other.request_id}" in words and "nothing was imported" in words
    assert dialog.outcome.text() == words and dialog.outcome.tone == "bad"

    # The right request id, but a signature of another hash (K2): the core refuses it.
    wrong = signed_answer(demo, CARMEN, request_id, "0x" + "11" * 32)
    answer = dialog.import_answer()
    assert answer is not None
    outcome, words = import_from_file(qtbot, answer, answer_file(tmp_path / "wrong.txt", wrong))
    assert outcome == "refused" and words.startswith("Not imported: The signature is not ")
    assert queue.entry(entry.safe_tx_hash).signers == before  # nothing stored

    # From the Approvals page: an answer to a request this desktop never made is refused by the core.
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.offline.attach(offline_sources(demo.services))
    page.attach(queue, runner, sources_from_services(demo.services))
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    assert page.offline.import_button.isEnabled()
    page.offline.import_button.click()
    assert page.offline.answer is not None
    outcome, words = import_from_file(qtbot, page.offline.answer, answer_file(tmp_path / "stray.txt", other))
    assert outcome == "refused" and "which this desktop did not make" in words
    assert page.offline.outcome.text() == words and page.offline.outcome.isVisible()
    if os.environ.get("CUSTOS_SHOTS"):
        page.resize(1240, 760)
        assert page.grab().save(str(Path(os.environ["CUSTOS_SHOTS"]) / "light_approvals_offline_refused.png"))
    assert queue.entry(entry.safe_tx_hash).signers == before


def test_the_right_answer_completes_the_approval(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                 tmp_path: Path) -> None:
    entry = approving(demo)
    dialog = open_request(qtbot, runner, demo, entry.safe_tx_hash, CARMEN)
    assert dialog.made is not None
    good = signed_answer(demo, CARMEN, dialog.made.sent.sign_request.request_id, entry.safe_tx_hash)
    answer = dialog.import_answer()
    assert answer is not None
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT) as changed:
        outcome, _words = import_from_file(qtbot, answer, answer_file(tmp_path / "answer.txt", good))
    assert outcome == "imported" and changed.args == [entry.safe_tx_hash]
    assert dialog.outcome.text().startswith("The offline signature was imported: 2 of 2 signatures (")
    assert dialog.outcome.tone == "good" and not dialog.import_button.isEnabled()
    now = demo.services.queue.entry(entry.safe_tx_hash)
    assert demo[CARMEN] in now.signers and now.state == "ready"


# -- the Approvals page ---------------------------------------------------------------------------------------------

def test_sign_offline_from_the_page_lists_a_paired_offline_signer_first(qtbot: QtBot, runner: TaskRunner,
                                                                        demo: Demo) -> None:
    keys = demo.services.keys
    ben = demo[BEN]
    keys.delete_key(ben)  # Ben's key lives on his offline signer from now on
    keys.add_offline(ben, "Ben Wong (offline)", device="Ben's signer", path="m/44'/60'/0'/0/0", fingerprint=0x1234)
    fresh = demo.propose(units=7_000 * 10**6)
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.resize(1240, 760)
    page.offline.attach(offline_sources(demo.services))
    page.attach(demo.services.queue, runner, sources_from_services(demo.services))
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: not page.loading, timeout=WAIT)
    assert not page.offline.sign_button.isEnabled()  # nothing selected
    assert page.select(fresh.safe_tx_hash)
    assert page.offline.sign_button.isEnabled() and page.offline.sign_button.text() == "Sign offline…"
    if os.environ.get("CUSTOS_SHOTS"):
        assert page.grab().save(str(Path(os.environ["CUSTOS_SHOTS"]) / "light_approvals_offline.png"))
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT) as opened:
        page.offline.sign_button.click()
    dialog = opened.args[0]
    assert isinstance(dialog, OfflineRequestDialog) and page.dialog is dialog
    assert not page.offline.sign_button.isEnabled() and not page.approve_button.isEnabled()  # one dialog at a time
    qtbot.waitUntil(lambda: dialog.owner.count() == 3, timeout=WAIT)
    first = dialog.owner.itemText(0)
    assert dialog.owner.itemData(0) == ben and "paired offline signer on Ben's signer" in first
    assert {dialog.owner.itemData(i) for i in (1, 2)} == set(fresh.owners) - {ben}
    assert all(dialog.owner.itemText(i).endswith(" — a key of this desktop") for i in (1, 2))
    assert "nonce" in dialog.heading.text() and "0 of 2 signatures" in dialog.heading.text()
    with qtbot.waitSignal(dialog.sig_request_shown, timeout=WAIT) as shown:
        dialog.make_button.click()
    origin = shown.args[0].sign_request.derivation_path
    assert origin.source_fingerprint == 0x1234  # the paired device's key origin goes into the request
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.reject()
    qtbot.waitUntil(lambda: page.dialog is None and page.offline.sign_button.isEnabled(), timeout=WAIT)


# -- how they look --------------------------------------------------------------------------------------------------

def test_screens_in_a_light_and_a_dark_palette(qtbot: QtBot, runner: TaskRunner, demo: Demo, tmp_path: Path) -> None:
    """The request and scan dialogs at their normal size: the code grabbed from the screen still reads, in either
    palette, and no line of the hashes is cut. CUSTOS_SHOTS=DIR keeps the PNGs."""
    from tests.ui.make_shots import dark_palette

    out = Path(os.environ.get("CUSTOS_SHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = QPalette(app.palette())
    entry = demo.propose(units=12_500 * 10**6)
    try:
        for name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
            app.setPalette(palette)
            dialog = OfflineRequestDialog(runner=runner, queue=demo.services.queue,
                                          sources=sources_from_services(demo.services),
                                          offline=offline_sources(demo.services), safe_tx_hash=entry.safe_tx_hash)
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitUntil(lambda d=dialog: d.owner.count() > 0 and not d.busy, timeout=WAIT)
            assert dialog.grab().save(str(out / f"{name}_offline_request_owner.png"))
            with qtbot.waitSignal(dialog.sig_request_shown, timeout=WAIT):
                dialog.make_button.click()
            dialog.qr.pause()
            qtbot.waitUntil(dialog.qr.step, timeout=WAIT)
            qtbot.wait(50)
            shot = out / f"{name}_offline_request.png"
            assert dialog.grab().save(str(shot))
            assert read_qr_texts(shot) == [dialog.qr.current_text()]
            metrics = dialog.hash_text.fontMetrics()
            widths = [metrics.horizontalAdvance(line) for line in dialog.hash_lines_shown()]
            assert max(widths) <= dialog.hash_text.width()  # no hash line is cut
            scan = QrScanDialog(SingleUrCollector("eth-signature"), "Read the offline signer's answer", dialog)
            scan.show()
            scan.camera_button.click()
            scan.take([dialog.qr.current_text()], "qr")  # a frame of the request, not an answer: said
            qtbot.wait(50)
            assert scan.grab().save(str(out / f"{name}_qr_scan.png"))
            with qtbot.waitSignal(scan.rejected, timeout=WAIT):
                scan.reject()  # cancelled: nothing was taken
            assert scan.collector.progress == 0
            reader = RequestReader()
            reading = QrScanDialog(reader, "Read a sign request", dialog)
            reading.show()
            for _ in range(4):
                qtbot.waitUntil(dialog.qr.step, timeout=WAIT)
                reading.take([dialog.qr.current_text()], "qr")
            assert 0 < reading.progress.value() < 1000 and reading.count.text() == "4 frames read"
            assert reading.grab().save(str(out / f"{name}_qr_scan_progress.png"))
            reading.reject()
            dialog.hide()
    finally:
        app.setPalette(original)
