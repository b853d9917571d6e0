"""The Counterparties page on a real demo profile (a copy of `custos demo init`, the real core): the demo's records
with their addresses and proofs as the core holds them, a counterparty added through the dialog (a bad LEI said inline
with nothing lost, then a good one), an address added, and its ownership proven by a fresh key's signature of the
challenge shown, while a signature from another key is refused and leaves it not proven (issue 16, items 1 and 2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import Demo, open_demo
from ui.counterparty_sources import counterparty_sources
from ui.dialogs.counterparty_dialog import AddAddressDialog, AddCounterpartyDialog
from ui.dialogs.ownership_dialog import SATOSHI, SIGNATURE, OwnershipDialog
from ui.main_window import MainWindow
from ui.models.counterparty_rows import PartyColumn
from ui.pages.counterparties_page import CounterpartiesPage
from ui.tasks import TaskRunner

WAIT = 20_000
NEW_NAME = "Tsuen Wan Growth Fund Ltd"


def lei(base: str) -> str:
    """`base` (18 characters) with the ISO 7064 mod 97-10 check digits of an LEI."""
    number = int("".join(str(int(c, 36)) for c in base + "00"))
    return f"{base}{98 - number % 97:02d}"


GOOD_LEI = lei("5493000TSUENWANGRO")
BAD_LEI = GOOD_LEI[:-2] + f"{(int(GOOD_LEI[-2:]) + 1) % 100:02d}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("counterparties")) as opened:
        yield opened


def open_page(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> CounterpartiesPage:
    page = CounterpartiesPage()
    qtbot.addWidget(page)
    page.resize(1200, 720)
    page.attach(counterparty_sources(demo.services), runner)
    with qtbot.waitSignal(page.sig_shown, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: not runner.in_flight and not page.loading, timeout=WAIT)
    return page


def opened(qtbot: QtBot, page: CounterpartiesPage, open_it: Any) -> Any:
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT) as signal:
        open_it()
    dialog = signal.args[0]
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    return dialog


def test_the_demo_records_are_listed_with_their_addresses_and_proofs(qtbot: QtBot, runner: TaskRunner,
                                                                     demo: Demo) -> None:
    page = open_page(qtbot, runner, demo)
    names = [row.name for row in page.rows]
    assert names == sorted(p.name for p in demo.services.compliance.counterparties.load_all())
    assert {"Harbour Custody Ltd", "Kowloon Pension Trust", "Lion Rock Family Office Ltd"} <= set(names)
    model = page.model
    lion = model.row_of("Lion Rock Family Office Ltd")
    assert lion is not None
    texts = [model.index(lion, c).data() for c in range(model.columnCount())]
    assert texts[PartyColumn.PERSON] == "Legal person" and texts[PartyColumn.IDENTIFIER] == "LEIX 549300LIONROCKFAM054"
    assert texts[PartyColumn.JURISDICTION] == "HK" and texts[PartyColumn.HOSTING] == "Hosted by Peak Digital Assets Ltd"
    assert texts[PartyColumn.ADDRESSES] == "1 (0 proven)"
    kowloon = demo.services.compliance.counterparties.find("Kowloon Pension Trust")
    assert page.select("Kowloon Pension Trust", kowloon.addresses[0].address)
    shown = page.addresses_model.rows()
    assert [r.address for r in shown] == [kowloon.addresses[0].address]
    block = kowloon.addresses[0].proof.detail["block_number"]
    assert shown[0].texts[2] == f"proven by a signature at block {block}"
    assert shown[0].tips[2].startswith(f"proven by a signature at block {block}, on ")
    assert "Unhosted: it holds its own keys" in page.facts.text()
    assert page.prove_button.isEnabled() and page.address_button.isEnabled()
    assert page.select("Lion Rock Family Office Ltd")
    assert page.addresses_model.rows()[0].texts[2] == "not proven"
    assert not page.prove_button.isEnabled()  # no address selected yet


def test_the_models_pass_the_model_tester(qtbot: QtBot, runner: TaskRunner, demo: Demo, qtmodeltester: Any) -> None:
    page = open_page(qtbot, runner, demo)
    page.select("Kowloon Pension Trust")
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.addresses_model)


def test_a_counterparty_is_added_after_a_bad_lei_is_said_inline(qtbot: QtBot, runner: TaskRunner,
                                                               demo: Demo) -> None:
    page = open_page(qtbot, runner, demo)
    dialog = opened(qtbot, page, page.open_add_dialog)
    assert isinstance(dialog, AddCounterpartyDialog)
    fields = dialog.person
    assert not fields.given_names.isVisibleTo(dialog) and not fields.birth_date.isVisibleTo(dialog)  # legal person
    fields.person.setCurrentIndex(fields.person.findData("natural"))
    assert fields.given_names.isVisibleTo(dialog) and fields.birth_place.isVisibleTo(dialog)
    fields.person.setCurrentIndex(fields.person.findData("legal"))
    assert not fields.given_names.isVisibleTo(dialog)
    fields.name.setText(NEW_NAME)
    fields.id_type.setCurrentIndex(fields.id_type.findData("LEIX"))
    fields.identifier.setText(BAD_LEI)
    fields.jurisdiction.setText("hk")
    fields.hosted.setChecked(True)
    fields.geo_address.setText("1 Castle Peak Road, Tsuen Wan, Hong Kong")
    dialog.submit()
    assert dialog.error.isVisible()
    assert "Name the VASP" in dialog.error.text() and dialog.isVisible()
    fields.unhosted.setChecked(True)
    dialog.submit()
    assert dialog.error.isVisible() and dialog.error.text() == f"Not added: LEI {BAD_LEI} has wrong check digits"
    assert dialog.isVisible() and not dialog.busy and fields.name.text() == NEW_NAME  # nothing lost
    assert NEW_NAME not in [p.name for p in demo.services.compliance.counterparties.load_all()]
    fields.identifier.setText(GOOD_LEI)
    with qtbot.waitSignal(page.sig_shown, timeout=WAIT):
        with qtbot.waitSignal(dialog.sig_succeeded, timeout=WAIT):
            dialog.submit()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    stored = demo.services.compliance.counterparties.find(NEW_NAME)
    assert (stored.identifier, stored.jurisdiction, stored.vasp, stored.person) == (GOOD_LEI, "HK", "", "legal")
    party = page.selected()
    assert party is not None and party.name == NEW_NAME and party.texts[PartyColumn.HOSTING] == "Unhosted"
    assert page.addresses_model.rowCount() == 0 and page.address_button.isEnabled()
    # The same name again: the core refuses it, said in the dialog.
    again = opened(qtbot, page, page.open_add_dialog)
    again.person.name.setText(NEW_NAME)
    again.person.identifier.setText(GOOD_LEI)
    again.person.jurisdiction.setText("HK")
    again.submit()
    qtbot.waitUntil(lambda: again.error.isVisible() and not again.busy, timeout=WAIT)
    assert again.error.text() == f"A counterparty named {NEW_NAME!r} exists already; nothing was added"
    again.reject()


def prove_dialog(qtbot: QtBot, page: CounterpartiesPage, name: str, address: str) -> OwnershipDialog:
    assert page.select(name, address)
    dialog = opened(qtbot, page, page.open_ownership_dialog)
    assert isinstance(dialog, OwnershipDialog)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.vault.count() > 0, timeout=WAIT)
    return dialog


def issue(qtbot: QtBot, dialog: OwnershipDialog, method: str = SIGNATURE) -> Any:
    tab = dialog.tab(method)
    with qtbot.waitSignal(dialog.sig_done, timeout=WAIT) as done:
        tab.issue_button.click()
    assert done.args == ["issued"], dialog.error.text()
    return tab.challenge.challenge


def check(qtbot: QtBot, dialog: OwnershipDialog, answer: str, method: str = SIGNATURE) -> str:
    tab = dialog.tab(method)
    tab.answer.setText(answer)
    with qtbot.waitSignal(dialog.sig_done, timeout=WAIT) as done:
        tab.check_button.click()
    return str(done.args[0])


def test_an_address_is_added_and_proven_by_the_signature_of_the_challenge_shown(qtbot: QtBot, runner: TaskRunner,
                                                                              demo: Demo) -> None:
    book = demo.services.compliance.counterparties
    if NEW_NAME not in [p.name for p in book.load_all()]:
        from wallet_app.compliance.counterparties import NewCounterparty

        book.add(NewCounterparty(NEW_NAME, "legal", "LEIX", GOOD_LEI, "HK"), actor="test")
    key, stranger = Account.create(), Account.create()
    page = open_page(qtbot, runner, demo)
    assert page.select(NEW_NAME)
    dialog = opened(qtbot, page, page.open_address_dialog)
    assert isinstance(dialog, AddAddressDialog)
    dialog.address.setText("0x1234")
    dialog.submit()
    assert dialog.error.isVisible() and dialog.error.text().startswith("Not added: the address")
    dialog.address.setText(key.address.lower())
    with qtbot.waitSignal(page.sig_shown, timeout=WAIT):
        dialog.submit()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    owned = page.selected_address()
    assert owned is not None and owned.address == key.address and owned.texts[2] == "not proven"
    assert page.selected() is not None and page.selected().texts[PartyColumn.ADDRESSES] == "1 (0 proven)"

    ownership = prove_dialog(qtbot, page, NEW_NAME, key.address)
    assert ownership.state.text() == "Ownership: not proven"
    tab = ownership.signature
    assert not tab.check_button.isEnabled() and not tab.challenge.copy_button.isEnabled()
    challenge = issue(qtbot, ownership)
    shown = tab.challenge.text.toPlainText()
    assert shown == challenge.text and tab.challenge.text.isReadOnly()
    assert f"Address: {key.address}" in shown and f"Counterparty: {NEW_NAME}" in shown
    assert "Institution: Harbour Custody Ltd" in shown
    assert tab.challenge.expiry.text() == (f"Valid until {challenge.expires_at:%Y-%m-%d %H:%M} UTC; nonce "
                                           f"{challenge.nonce}.")
    tab.challenge.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == shown
    # A signature of the text by another key: refused, in words; nothing proven.
    wrong = Account.sign_message(encode_defunct(text=shown), private_key=stranger.key).signature
    assert check(qtbot, ownership, "0x" + bytes(wrong).hex()) == "refused"
    assert ownership.error.text() == (f"Not proven: The signature was made by {stranger.address}, not by "
                                      f"{key.address}: the address is not proven")
    assert not ownership.result.isVisible() and ownership.state.text() == "Ownership: not proven"
    assert book.owner_of(key.address)[1].proof is None  # type: ignore[index]
    # Not even a signature: refused too.
    assert check(qtbot, ownership, "0xnot-hex") == "refused"
    assert ownership.error.text() == "Not proven: The signature is not hexadecimal"
    # The key's own signature of the text shown: proven, and the page says so.
    right = Account.sign_message(encode_defunct(text=shown), private_key=key.key).signature
    with qtbot.waitSignal(page.sig_shown, timeout=WAIT):
        assert check(qtbot, ownership, "0x" + bytes(right).hex()) == "proven"
    proof = book.owner_of(key.address)[1].proof  # type: ignore[index]
    assert proof is not None and proof.kind == "signature"
    assert ownership.result.text().startswith(f"Proven: proven by a signature at block {proof.detail['block_number']}")
    assert ownership.state.tone == "good" and not tab.check_button.isEnabled() and not tab.issue_button.isEnabled()
    ownership.reject()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    owned = page.selected_address()
    assert owned is not None and owned.proven
    assert owned.texts[2] == f"proven by a signature at block {proof.detail['block_number']}"
    assert owned.tips[2].endswith(f"challenge {proof.detail['nonce']}; {proof.detail['signature']}")
    assert page.selected().texts[PartyColumn.ADDRESSES] == "1 (1 proven)"  # type: ignore[union-attr]


def test_a_used_challenge_is_refused_and_a_satoshi_test_names_the_exact_amount(qtbot: QtBot, runner: TaskRunner,
                                                                              demo: Demo) -> None:
    book = demo.services.compliance.counterparties
    lion = book.find("Lion Rock Family Office Ltd").addresses[0].address
    kowloon = book.find("Kowloon Pension Trust").addresses[0]
    page = open_page(qtbot, runner, demo)
    # The demo's proven challenge, loaded again by its nonce for another address: refused.
    ownership = prove_dialog(qtbot, page, "Lion Rock Family Office Ltd", lion)
    ownership.signature.nonce.setText(kowloon.proof.detail["nonce"])
    with qtbot.waitSignal(ownership.sig_done, timeout=WAIT) as done:
        ownership.signature.load_button.click()
    assert done.args == ["refused"]
    assert ownership.error.text() == (f"Challenge {kowloon.proof.detail['nonce']} was issued for {kowloon.address}, "
                                      "not for this address.")
    # A satoshi test: the exact amount to send to the chosen vault, in the core's words.
    ownership.tabs.setCurrentWidget(ownership.satoshi)
    assert ownership.asset.itemText(0).startswith("HSK — the native coin")
    test = issue(qtbot, ownership, SATOSHI)
    assert test.method == SATOSHI and test.vault == ownership.vault.currentData() and test.amount > 0
    assert ownership.satoshi.challenge.text.toPlainText() == test.text
    assert f"({test.amount} base units) from {lion} to {test.vault}" in test.text
    # A transaction that is not on chain: refused, not proven.
    assert check(qtbot, ownership, "0x" + "ab" * 32, SATOSHI) == "refused"
    assert ownership.error.text().startswith("Not proven: Transaction 0x" + "ab" * 32 + " is not mined")
    assert book.owner_of(lion)[1].proof is None  # type: ignore[index]
    ownership.reject()


def test_the_window_has_the_tab_and_the_investor_view_does_not(qtbot: QtBot) -> None:
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    tabs = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert "&Counterparties" in tabs and not window.counterparties_page.built
    window.enter_investor_view(None)
    assert "&Counterparties" not in [window.pages.tabText(i) for i in range(window.pages.count())]
