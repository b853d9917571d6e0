"""The Travel Rule in the propose dialog and on the Approvals page, on a real demo profile (issue 16, item 4).

The module's demo takes Victoria Harbour Endowment's address out of the counterparty records (its record stays): a
20,000 HKDH payout to it is over the HK$8,000 threshold and no record holds the recipient, so the core refuses to
queue it without the Travel Rule information. The propose dialog then opens the Travel Rule dialog, which says why,
preselects the institution as the originator and lets the officer choose the beneficiary's record or type its IVMS 101
fields (a field that does not hold is named inline); proposing again queues the payout with the record. Cancel
queues nothing and loses nothing. The Approvals page shows a queued payout's record and whether its beneficiary's
address is proven, and warns when the stored record was edited outside Custos."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import CLIENT_VAULT, DANA, DEMO_PASSWORD, HKDH, Demo, open_demo, sql
from ui.dialogs.propose_tx_dialog import ProposeTxDialog
from ui.dialogs.travel_rule_dialog import TYPED, TravelRuleDialog
from ui.pages.approvals_page import ApprovalsPage
from ui.queue_sources import sources_from_services
from ui.tasks import TaskRunner

WAIT = 30_000
VICTORIA = "Victoria Harbour Endowment"
VICTORIA_LEI = "549300VICTORIAEND016"
INSTITUTION = "Harbour Custody Ltd"


@dataclass
class Setting:
    demo: Demo
    victoria: str  # the address no record holds any more


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    with open_demo(tmp_path_factory.mktemp("travel-rule")) as demo:
        book = demo.services.compliance.counterparties
        victoria = book.find(VICTORIA).addresses[0].address
        assert sql(demo, "DELETE FROM counterparty_addresses WHERE address = :a", a=victoria) == 1
        assert book.owner_of(victoria) is None
        yield Setting(demo, victoria)


def open_propose(qtbot: QtBot, runner: TaskRunner, setting: Setting, amount: str = "20000") -> ProposeTxDialog:
    demo = setting.demo
    dialog = ProposeTxDialog(runner=runner, queue=demo.services.queue, sources=sources_from_services(demo.services),
                             vault=demo[CLIENT_VAULT])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT):
        dialog.show()
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
    form = dialog.transfer
    form.asset.setCurrentIndex(form.asset.findData(demo[HKDH]))
    form.amount.setText(amount)
    form.recipient.edit.setText(setting.victoria)
    dialog.proposer.setCurrentIndex(dialog.proposer.findData(demo[DANA]))
    dialog.password.setText(DEMO_PASSWORD)
    assert dialog.blocking_reason() == ""
    return dialog


def refused(qtbot: QtBot, dialog: ProposeTxDialog) -> TravelRuleDialog:
    """Sign and propose; the core refuses for want of the Travel Rule data and its dialog opens."""
    with qtbot.waitSignal(dialog.travel_rule.sig_opened, timeout=WAIT) as opened:
        dialog.submit_button.click()
    travel = opened.args[0]
    assert isinstance(travel, TravelRuleDialog)
    qtbot.waitUntil(lambda: travel.isVisible() and travel.originator.count() > 1, timeout=WAIT)
    return travel


def queued_count(demo: Demo) -> int:
    return len(demo.services.queue.load())


def test_the_beneficiary_chosen_from_the_records_is_proposed_with_the_payout(qtbot: QtBot, runner: TaskRunner,
                                                                            setting: Setting) -> None:
    demo = setting.demo
    dialog = open_propose(qtbot, runner, setting)
    before = queued_count(demo)
    travel = refused(qtbot, dialog)
    assert queued_count(demo) == before  # refused: nothing queued yet
    assert dialog.error.text().startswith("Not proposed: The Travel Rule applies: ")
    reason = travel.reason.text()
    assert reason.startswith("The Travel Rule applies: ") and "HK$20,000.00, at or above the threshold of HK$8,000.00" \
        in reason and reason.endswith("nothing was queued")
    assert dialog.password.text() == ""  # wiped; asked again in the Travel Rule dialog
    assert travel.originator.currentData() == INSTITUTION  # the institution's own record
    assert travel.beneficiary.currentData() == TYPED and travel.person.isVisibleTo(travel)  # no record holds it
    assert travel.payload is None and not travel.submit_button.isEnabled()
    travel.beneficiary.setCurrentIndex(travel.beneficiary.findData(VICTORIA))
    assert not travel.person.isVisibleTo(travel) and not travel.error.isVisible()
    payload = travel.payload
    assert payload is not None
    assert payload["beneficiary"]["accountNumber"] == [setting.victoria]
    assert payload["originator"]["accountNumber"] == [demo[CLIENT_VAULT]]
    review = {travel.review.topLevelItem(i).text(0): [(travel.review.topLevelItem(i).child(j).text(0),
                                                        travel.review.topLevelItem(i).child(j).text(1))
                                                       for j in range(travel.review.topLevelItem(i).childCount())]
              for i in range(travel.review.topLevelItemCount())}
    assert f"Originator: {INSTITUTION} (legal person, LEIX 549300HARBOURCUST012)" in review
    rows = review[f"Beneficiary: {VICTORIA} (legal person, LEIX {VICTORIA_LEI})"]
    assert ("name.nameIdentifier[0].legalPersonName", VICTORIA) in rows
    assert ("nationalIdentification.nationalIdentifier", VICTORIA_LEI) in rows
    assert ("accountNumber[0]", setting.victoria) in rows
    assert not travel.submit_button.isEnabled()  # the password is asked for
    travel.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT) as queued:
        travel.submit_button.click()
    qtbot.waitUntil(lambda: dialog.travel_rule.dialog is None and not dialog.busy, timeout=WAIT)
    safe_tx_hash = queued.args[0]
    assert queued_count(demo) == before + 1 and dialog.result.text().startswith("Queued at nonce ")
    record = demo.services.compliance.travel_rule.load(safe_tx_hash)
    assert record is not None and record.required and record.intact
    assert record.payload == payload
    assert any(line.startswith(f"Beneficiary   {VICTORIA} (legal person") for line in record.lines())


def test_a_typed_beneficiary_is_checked_field_by_field_and_cancel_loses_nothing(qtbot: QtBot, runner: TaskRunner,
                                                                               setting: Setting) -> None:
    demo = setting.demo
    dialog = open_propose(qtbot, runner, setting, amount="12000")
    before = queued_count(demo)
    travel = refused(qtbot, dialog)
    person = travel.person
    person.name.setText("Victoria Harbour Endowment Fund")
    person.id_type.setCurrentIndex(person.id_type.findData("LEIX"))
    person.identifier.setText("549300VICTORIAEND017")  # a wrong check digit
    person.jurisdiction.setText("HK")
    person.geo_address.setText("10 Queen's Road Central, Central, Hong Kong")
    assert travel.error.isVisible() and travel.payload is None
    assert travel.error.text() == ("The Travel Rule information does not hold: beneficiary.beneficiaryPersons[0]."
                                   "legalPerson.nationalIdentification.nationalIdentifier: LEI 549300VICTORIAEND017 "
                                   "has wrong check digits")
    travel.password.setText(DEMO_PASSWORD)
    assert not travel.submit_button.isEnabled()
    person.jurisdiction.setText("Hong Kong")
    person.identifier.setText(VICTORIA_LEI)
    assert travel.error.text().endswith("legalPerson.geographicAddress[0].country: country must be an ISO 3166 "
                                        "country code of two capital letters, e.g. HK")
    person.jurisdiction.setText("HK")
    assert not travel.error.isVisible() and travel.payload is not None and travel.submit_button.isEnabled()
    # Cancel: nothing queued, the propose dialog as it was, and the typed fields kept for the next attempt.
    travel.password.setText("")
    travel.reject()
    qtbot.waitUntil(lambda: dialog.travel_rule.dialog is None, timeout=WAIT)
    assert queued_count(demo) == before
    assert dialog.transfer.amount.text() == "12000" and dialog.transfer.recipient.text() == setting.victoria
    assert dialog.error.text().startswith("Not proposed: The Travel Rule applies")
    dialog.password.setText(DEMO_PASSWORD)
    again = refused(qtbot, dialog)
    assert again.beneficiary.currentData() == TYPED
    assert again.person.name.text() == "Victoria Harbour Endowment Fund"
    assert again.person.identifier.text() == VICTORIA_LEI and again.payload is not None
    # A wrong password: said in the Travel Rule dialog, everything kept, nothing queued.
    again.password.setText("not the password")
    again.submit_button.click()
    qtbot.waitUntil(lambda: not again.busy and again.error.isVisible(), timeout=WAIT)
    assert again.error.text().startswith("Not proposed: ") and again.isVisible()
    assert again.person.name.text() == "Victoria Harbour Endowment Fund" and queued_count(demo) == before
    again.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT) as queued:
        again.submit_button.click()
    qtbot.waitUntil(lambda: dialog.travel_rule.dialog is None and not dialog.busy, timeout=WAIT)
    record = demo.services.compliance.travel_rule.load(queued.args[0])
    assert record is not None and record.payload is not None
    person_json = record.payload["beneficiary"]["beneficiaryPersons"][0]["legalPerson"]
    assert person_json["name"]["nameIdentifier"][0]["legalPersonName"] == "Victoria Harbour Endowment Fund"
    assert person_json["countryOfRegistration"] == "HK"


def test_the_cancelled_travel_rule_dialog_queues_nothing(qtbot: QtBot, runner: TaskRunner, setting: Setting) -> None:
    demo = setting.demo
    dialog = open_propose(qtbot, runner, setting)
    before = queued_count(demo)
    travel = refused(qtbot, dialog)
    travel.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.travel_rule.dialog is None, timeout=WAIT)
    assert queued_count(demo) == before and not dialog.result.isVisible() and dialog.submit_button.isVisible()


def test_the_approvals_details_show_the_record_and_the_beneficiarys_proof(qtbot: QtBot, runner: TaskRunner,
                                                                         setting: Setting) -> None:
    demo = setting.demo
    book = demo.services.compliance.counterparties
    kowloon = book.find("Kowloon Pension Trust").addresses[0]
    entries = demo.services.queue.load(demo[CLIENT_VAULT])
    to_kowloon = next(e for e in entries if e.state in ("proposed", "approving", "ready")
                      and kowloon.address.lower()[2:] in e.item.safe_tx.data.hex())
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.resize(1240, 900)
    page.attach(demo.services.queue, runner, sources_from_services(demo.services))
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: not runner.in_flight and not page.loading, timeout=WAIT)
    shown = page.details.travel_rule
    assert page.select(to_kowloon.safe_tx_hash)
    qtbot.waitUntil(lambda: shown.isVisible(), timeout=WAIT)
    record = demo.services.compliance.travel_rule.load(to_kowloon.safe_tx_hash)
    lines = shown.text().splitlines()
    assert lines[:len(record.lines())] == record.lines()
    assert lines[0].startswith("Travel Rule   applies (value HK$")
    assert f"Originator    {INSTITUTION} (legal person, LEIX 549300HARBOURCUST012)" in lines
    assert f"Record digest {record.digest}" in lines
    block = kowloon.proof.detail["block_number"]
    assert lines[-1] == (f"Address       {kowloon.address}: proven by a signature at block {block} (Kowloon Pension "
                         "Trust)")
    assert shown.tone == "plain"
    # The payout to Victoria Harbour (no record holds its address): not proven, said so.
    to_victoria = next(e for e in demo.services.queue.load(demo[CLIENT_VAULT])
                       if e.state in ("proposed", "approving", "ready")
                       and setting.victoria.lower()[2:] in e.item.safe_tx.data.hex())
    page.reload()
    qtbot.waitUntil(lambda: not page.loading and page.select(to_victoria.safe_tx_hash), timeout=WAIT)
    qtbot.waitUntil(lambda: shown.isVisible() and VICTORIA in shown.text(), timeout=WAIT)
    assert shown.text().splitlines()[-1] == (f"Address       {setting.victoria}: no counterparty record holds it; "
                                             "ownership not proven")
    # The stored record edited outside Custos: the details warn, in red.
    assert sql(demo, "UPDATE travel_rule_records SET record = replace(record, 'Victoria', 'Victor1a') "
                     "WHERE safe_tx_hash = :h", h=to_victoria.safe_tx_hash) == 1
    assert page.select(to_kowloon.safe_tx_hash)
    qtbot.waitUntil(lambda: "Kowloon" in shown.text(), timeout=WAIT)
    assert page.select(to_victoria.safe_tx_hash)
    qtbot.waitUntil(lambda: "WARNING" in shown.text(), timeout=WAIT)
    assert shown.tone == "bad" and shown.text().splitlines()[-2].startswith(
        "WARNING       the stored record does not match its digest")
    page.details.show_nothing()
