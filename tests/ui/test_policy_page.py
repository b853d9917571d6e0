"""The Policy tab against fakes built from the real core (the demo policy parsed by the real parser, drafts compared by
the real comparison, checks decided by the real engine): the policy in force, a policy that is not in force (loud and
red, and every check a deny), drafts side by side with what loosens and what tightens, signing on the serial lane with
errors in the dialog, the check form's validation and results, recent decisions, the investor view, the models, and
the event loop during a slow check."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.fakes import (
    DEMO_PASSWORD,
    OWNERS,
    WATCHED,
    FakeKeyService,
    FakeNetwork,
    FakeProfile,
    FakeServices,
    FakeVaults,
    RecordingPresenter,
    builder,
    opener,
)
from tests.ui.holdings_fakes import FakeHoldings, make_snapshot
from tests.ui.policy_fakes import (
    BYBIT_DATA,
    CLIENT_VAULT,
    DANA,
    HKD,
    HKDH,
    HOSTILE,
    KOWLOON,
    NAMES,
    PENDING_KYC,
    STRANGER,
    TROJAN,
    VALUES,
    FakeChecker,
    FakePolicy,
    draft_text,
    hostile_text,
    policy_vaults,
    seed_decisions,
    transfer_data,
)
from ui.dialogs.policy_dialogs import PolicyVoteDialog, ProposePolicyDialog
from ui.main_window import MainWindow
from ui.models.policy_checks import DecisionRow, VerdictRow
from ui.models.policy_models import (
    ChangesTableModel,
    DecisionsTableModel,
    DraftColumn,
    DraftsTableModel,
    VerdictColumn,
    VerdictsTableModel,
)
from ui.models.policy_rows import ChangeLine
from ui.pages.policy_page import NOT_IN_FORCE, PolicyPage
from ui.session import WalletSession
from ui.tasks import TaskRunner
from ui.tones import tone_color
from wallet_app.domain.hex_text import chunk_hex
from wallet_app.errors import WalletError
from wallet_app.policy.governance import NoActivePolicy, PolicyTampered, PolicyUnverifiable

TAMPERED = ("The policy in force (version 1) fails its checks, so every transaction is denied: policy/active.toml "
            "differs from the policy in force: it was edited outside Custos")


def open_page(qtbot: QtBot, runner: TaskRunner, policy: FakePolicy | None = None, checker: FakeChecker | None = None,
              keys: FakeKeyService | None = None) -> tuple[PolicyPage, FakePolicy, FakeChecker]:
    policy = policy or FakePolicy()
    checker = checker or FakeChecker(policy)
    page = PolicyPage()
    qtbot.addWidget(page)
    page.resize(1240, 720)
    page.set_address_names(NAMES)
    page.set_vaults(policy_vaults())
    page.attach(policy, checker, runner, load_keys=(keys or FakeKeyService()).load_keys)
    assert not page.built and policy.calls == []  # nothing is built or read before the page is on screen
    with qtbot.waitSignal(page.sig_policy_shown, timeout=5000):
        page.show()
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=5000)
    return page, policy, checker


def fill(page: PolicyPage, *, to: str = HKDH, data: bytes = b"", value: str = "", operation: int = 0,
         proposer: str = "") -> None:
    page.sections.setCurrentWidget(page.check_panel)
    form = page.check_panel.form
    form.vault.setCurrentIndex(form.vault.findData(CLIENT_VAULT))
    form.to.setText(to)
    form.value.setText(value)
    form.data.setPlainText("0x" + data.hex() if data else "")
    form.operation.setCurrentIndex(operation)
    form.proposer.setCurrentIndex(max(form.proposer.findData(proposer), 0) if proposer else 0)


def check(qtbot: QtBot, page: PolicyPage) -> str:
    with qtbot.waitSignal(page.sig_check_shown, timeout=5000) as blocker:
        page.check()
    return str(blocker.args[0])


# -- the policy in force --------------------------------------------------------------------------------------------
def test_the_active_policy_shows_its_version_digest_approvals_and_rules(qtbot: QtBot, runner: TaskRunner) -> None:
    page, policy, _checker = open_page(qtbot, runner)
    assert policy.threads["active"] != threading.get_ident()  # read on a worker lane
    active = policy.active()
    panel = page.active_panel
    assert not page.problem.isVisible()
    assert panel.name.text() == "Harbour Custody transfer policy"
    assert panel.version.text() == "1"
    assert panel.digest.value() == active.digest  # copied whole
    assert panel.digest.label.text() == chunk_hex(active.digest)
    assert panel.digest.label.text().split()[1] == active.digest[2:6]  # groups of four, for reading out of band
    approved = panel.approved.text()
    assert "Alice Chan  " + OWNERS[0] in approved and "3 approvals of the 3 needed" in approved
    assert "Harbour treasury" in panel.governance.text()
    rules = panel.rules.toPlainText().splitlines()
    assert any(line.startswith("  • delegatecall: DELEGATECALL only to a pinned MultiSendCallOnly") for line in rules)
    numbered = [line for line in rules if line[:1].isdigit()]
    assert [line.split(":")[0] for line in numbered] == [f"{n}. {rule.id}" for n, rule in
                                                         enumerate(active.document.rules, start=1)]
    assert numbered[1].startswith("2. small-hkdh-to-investors: Allow transfers of HKDH from Harbour client vault")
    assert panel.text.toPlainText().startswith("# Harbour Custody Ltd")
    assert panel.rules.isReadOnly() and panel.text.isReadOnly()
    assert "version 1, in force since" in page.status.text() and "1 draft waiting" in page.status.text()


@pytest.mark.parametrize("problem", [
    PolicyTampered(TAMPERED),
    NoActivePolicy("No active policy: every transaction is denied. Propose a policy."),
    PolicyUnverifiable("The owners of the governance vault could not be read (node unreachable)"),
])
def test_no_policy_in_force_is_a_loud_red_line_and_every_check_is_a_deny(qtbot: QtBot, runner: TaskRunner,
                                                                         problem: WalletError) -> None:
    policy = FakePolicy(not_in_force=problem)  # type: ignore[arg-type]
    page, _policy, checker = open_page(qtbot, runner, policy)
    assert page.problem.isVisible()
    assert page.problem.text() == NOT_IN_FORCE + problem.user_message
    red = page.problem.palette().color(page.problem.foregroundRole())
    assert red.red() > 150 and red.green() < 100  # red on the light palette
    assert not page.active_panel.details.isVisible()
    assert page.drafts_panel.model.rowCount() == 1  # the drafts can still be reviewed
    fill(page, data=transfer_data(KOWLOON, 10_000 * HKD))  # allowed under the policy, were it in force
    assert check(qtbot, page) == "deny"
    result = page.check_panel.result
    assert result.decision.text() == "Deny" and result.decision.tone == "bad"
    rows = result.model.rows()
    assert [(r.rule, r.verdict) for r in rows] == [("policy", "deny")]
    assert problem.user_message in rows[0].reason
    assert checker.recorded[-1].decision == "deny"  # and the deny is recorded


# -- drafts ---------------------------------------------------------------------------------------------------------
def test_a_draft_is_shown_side_by_side_with_what_loosens_and_what_tightens(qtbot: QtBot, runner: TaskRunner) -> None:
    page, policy, _checker = open_page(qtbot, runner)
    panel = page.drafts_panel
    assert page.sections.tabText(1) == "Drafts (1)"
    model = panel.model
    assert model.rowCount() == 1
    texts = [model.data(model.index(0, c)) for c in DraftColumn]
    assert texts[DraftColumn.VERSION] == "2" and texts[DraftColumn.APPROVALS] == "1 of 3"
    assert texts[DraftColumn.DIRECTION] == "loosens" and texts[DraftColumn.EFFECT] == "24 hours after its quorum"
    draft = panel.selected_draft()
    assert draft is not None and draft.digest == policy.records[1].digest
    assert panel.digest.value() == draft.digest
    assert "version = 1" in panel.base_text.toPlainText() and "version = 2" in panel.draft_text.toPlainText()
    assert panel.base_text.isReadOnly() and panel.draft_text.isReadOnly()
    assert "deeds-in-office-hours" in panel.base_text.toPlainText()
    assert "deeds-in-office-hours" not in panel.draft_text.toPlainText()
    assert panel.base_text.extraSelections() and panel.draft_text.extraSelections()  # the lines that differ
    changes = panel.changes_model
    directions = {changes.data(changes.index(r, 0)) for r in range(changes.rowCount())}
    assert directions == {"neutral", "tightens", "loosens"}
    for row in range(changes.rowCount()):
        direction = changes.data(changes.index(row, 0))
        colour = changes.data(changes.index(row, 1), Qt.ItemDataRole.ForegroundRole)
        expected = {"loosens": tone_color("warn"), "tightens": tone_color("good"), "neutral": None}[direction]
        assert colour == expected
    assert "2 loosen the policy" in panel.summary.text()
    assert page.drafts_panel.approve_button.isEnabled() and page.drafts_panel.reject_button.isEnabled()


def open_dialog(qtbot: QtBot, page: PolicyPage, trigger: object) -> PolicyVoteDialog | ProposePolicyDialog:
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=5000) as blocker:
        trigger()  # type: ignore[operator]
    dialog = blocker.args[0]
    assert isinstance(dialog, PolicyVoteDialog | ProposePolicyDialog)
    return dialog


def test_approving_runs_on_the_serial_lane_and_a_wrong_password_is_said_in_the_dialog(
        qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter) -> None:
    page, policy, _checker = open_page(qtbot, runner)
    dialog = open_dialog(qtbot, page, page.approve_selected)
    assert isinstance(dialog, PolicyVoteDialog)
    offered = [dialog.key_choice.itemData(i) for i in range(dialog.key_choice.count())]
    assert offered == list(OWNERS) and WATCHED not in offered  # signing keys only
    assert "It loosens the policy" in dialog.loosens.text()
    dialog.key_choice.setCurrentIndex(1)  # Ben, who has not approved yet
    dialog.password.setText("not the password")
    dialog.submit()
    assert dialog.busy
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "Wrong password" in dialog.error.text()
    assert dialog.password.text() == "" and dialog.isVisible()  # wiped; still open to try again
    assert presenter.calls == []  # said in the dialog, not in a second window
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(page.sig_policy_changed, timeout=5000) as changed:
        dialog.submit()
    assert changed.args[0] == "Version 2 approved: 2 of 3 approvals."
    assert policy.threads["approve"] != threading.get_ident()
    qtbot.waitUntil(lambda: page.dialog is None and not runner.in_flight, timeout=5000)
    model = page.drafts_panel.model
    assert model.data(model.index(0, DraftColumn.APPROVALS)) == "2 of 3"  # read again after the approval


def test_an_approval_the_core_refuses_is_shown_in_the_dialog(qtbot: QtBot, runner: TaskRunner) -> None:
    from wallet_app.policy.governance import PolicyGovernanceError

    page, policy, _checker = open_page(qtbot, runner)
    policy.approve_error = PolicyGovernanceError("Version 2 was proposed against a policy that is no longer in force")
    dialog = open_dialog(qtbot, page, page.approve_selected)
    dialog.password.setText(DEMO_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "no longer in force" in dialog.error.text()
    dialog.reject()


def test_rejecting_a_draft_records_the_reason_and_closes_it(qtbot: QtBot, runner: TaskRunner) -> None:
    page, policy, _checker = open_page(qtbot, runner)
    dialog = open_dialog(qtbot, page, page.reject_selected)
    assert isinstance(dialog, PolicyVoteDialog) and dialog.objectName() == "rejectPolicyDialog"
    dialog.reason.setText("the limit is too high")
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(page.sig_policy_shown, timeout=5000):
        dialog.submit()
    assert policy.records[1].state == "rejected" and policy.records[1].closed_reason == "the limit is too high"
    assert page.drafts_panel.model.rowCount() == 0 and page.drafts_panel.message.text().startswith("No change")
    assert not page.drafts_panel.approve_button.isEnabled()


def test_proposing_reads_the_file_and_a_bad_file_is_refused_with_its_line(qtbot: QtBot, runner: TaskRunner,
                                                                          tmp_path: Path) -> None:
    page, policy, _checker = open_page(qtbot, runner)
    asked: list[object] = []
    page.ask_file = lambda parent: asked.append(parent)  # cancelled: None
    page.propose_change()
    assert asked == [page] and page.dialog is None
    bad = tmp_path / "bad.toml"
    bad.write_text(draft_text().replace("version = 2\n", "version = 3\n").replace("[governance]", "[governance"),
                   encoding="utf-8")
    page.ask_file = lambda _parent: str(bad)
    dialog = open_dialog(qtbot, page, page.propose_change)
    assert isinstance(dialog, ProposePolicyDialog)
    assert dialog.preview.toPlainText().startswith("# Harbour Custody Ltd")  # what is signed, in full
    dialog.password.setText(DEMO_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "line" in dialog.error.text()
    dialog.reject()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=5000)
    good = tmp_path / "v3.toml"
    good.write_text(draft_text().replace("version = 2\n", "version = 3\n"), encoding="utf-8")
    page.ask_file = lambda _parent: str(good)
    dialog = open_dialog(qtbot, page, page.propose_change)
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(page.sig_policy_shown, timeout=5000):
        dialog.submit()
    assert policy.threads["propose"] != threading.get_ident()
    assert page.drafts_panel.model.rowCount() == 2
    assert page.drafts_panel.status.text() == "Version 3 proposed: 1 of 3 approvals."


# -- checking a transaction -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fields", "message"), [
    ({"to": ""}, "To: enter an address"),
    ({"to": "0x1234"}, "is not an address"),
    ({"to": KOWLOON.lower()[:-1] + "Z"}, "is not an address"),
    ({"to": KOWLOON[:2] + KOWLOON[2:].swapcase()}, "wrong checksum"),
    ({"to": "0x\u0430" + KOWLOON[3:]}, "not plain ASCII"),  # a Cyrillic letter
    ({"value": "1.5"}, "Value: enter a whole number of wei"),
    ({"value": "-3"}, "Value: enter a whole number"),
    ({"data": "a9059cbb"}, "Data: start with 0x"),
    ({"data": "0xa9059cb"}, "odd number"),
    ({"data": "0xa9059cbg"}, "'g' is not a hex digit"),
    ({"nonce": "next"}, "Nonce: enter a whole number"),
    ({"gas_token": "0xdead"}, "gasToken:"),
])
def test_the_check_form_refuses_bad_input_with_a_clear_message(qtbot: QtBot, runner: TaskRunner,
                                                               fields: dict[str, str], message: str) -> None:
    page, _policy, checker = open_page(qtbot, runner)
    fill(page, to=KOWLOON)
    form = page.check_panel.form
    edits = {"to": form.to, "value": form.value, "nonce": form.nonce, "gas_token": form.gas_token}
    for key, text in fields.items():
        if key == "data":
            form.data.setPlainText(text)
        else:
            edits[key].setText(text)
    page.check()
    assert form.error.isVisible() and message in form.error.text(), form.error.text()
    assert not page.checking and "check" not in checker.calls  # nothing was sent to the checker
    if "gas_token" in fields:
        assert form.advanced.isVisibleTo(form)  # the advanced fields open to show the one at fault


@pytest.mark.parametrize(("to", "data", "operation", "decision", "headline", "decisive"), [
    (HKDH, transfer_data(KOWLOON, 10_000 * HKD), 0, "allow", "Allow", "small-hkdh-to-investors"),
    (HKDH, transfer_data(KOWLOON, 300_000 * HKD), 0, "escalate",
     "Escalate: needs 2 approvals, including compliance-officer", "large-hkdh-to-investors"),
    (HKDH, transfer_data(PENDING_KYC, 10 * HKD), 0, "deny", "Deny", "deny-pending-kyc"),
    (HKDH, transfer_data(STRANGER, 10 * HKD), 0, "deny", "Deny", "default-deny"),
    (TROJAN, BYBIT_DATA, 1, "deny", "Deny", "delegatecall"),
])
def test_a_check_shows_the_intent_the_decision_the_hashes_and_every_verdict(
        qtbot: QtBot, runner: TaskRunner, to: str, data: bytes, operation: int, decision: str, headline: str,
        decisive: str) -> None:
    page, _policy, checker = open_page(qtbot, runner)
    fill(page, to=to, data=data, operation=operation)
    with qtbot.waitSignal(page.sig_decisions_shown, timeout=5000):  # the recent decisions are read again after it
        assert check(qtbot, page) == decision
    result = page.check_panel.result
    assert result.decision.text() == headline
    assert result.decision.tone == {"allow": "good", "escalate": "warn", "deny": "bad"}[decision]
    recorded = checker.recorded[-1]
    assert result.intent.toPlainText() == recorded.intent_text
    assert result.safe_tx_hash.value() == recorded.safe_tx_hash
    assert result.safe_tx_hash.label.text().startswith("0x " + recorded.safe_tx_hash[2:6] + " ")
    assert result.domain_hash.value().startswith("0x") and result.message_hash.value().startswith("0x")
    assert result.simulation.text().startswith("simulated at block 120")
    assert result.policy.text().startswith("Decided under policy version 1")
    rows = result.model.rows()
    assert rows[0].rule == decisive  # the decisive verdict comes first
    assert len(rows) == len(recorded.rules) and sorted(r.step for r in rows) == list(range(1, len(rows) + 1))
    if decision == "deny":
        assert rows[0].verdict == "deny" and decisive in result.detail.text()
        assert result.model.data(result.model.index(0, VerdictColumn.VERDICT),
                                 Qt.ItemDataRole.ForegroundRole) == tone_color("bad")
    assert checker.threads["check"] != threading.get_ident()
    model = page.decisions_panel.model
    assert model.rowCount() == 1 and model.data(model.index(0, 4)) == headline.split(":")[0]


def test_a_batch_is_described_call_by_call_indented(qtbot: QtBot, runner: TaskRunner) -> None:
    from wallet_app.policy.multisend import PackedCall, build_multisend_call

    page, _policy, _checker = open_page(qtbot, runner)
    calls = build_multisend_call([PackedCall(0, HKDH, 0, transfer_data(KOWLOON, 1_000 * HKD)),
                                  PackedCall(0, HKDH, 0, transfer_data(PENDING_KYC, 2_000 * HKD))])
    fill(page, to=VALUES["multi_send_call_only"], data=calls, operation=1)
    assert check(qtbot, page) == "deny"  # the second call goes to an investor whose KYC is not complete
    lines = page.check_panel.result.intent.toPlainText().splitlines()
    assert lines[0] == "batch of 2 calls through MultiSendCallOnly 1.4.1:"
    assert lines[1].startswith("  1. transfer 1,000.00 HKDH from Harbour client vault to Kowloon Pension Trust")
    assert lines[2].startswith("  2. transfer 2,000.00 HKDH from Harbour client vault to Pending KYC Ltd")
    assert page.check_panel.result.model.rows()[0].rule == "deny-pending-kyc"


def test_the_proposer_is_sent_with_the_check(qtbot: QtBot, runner: TaskRunner) -> None:
    keys = FakeKeyService()
    page, _policy, checker = open_page(qtbot, runner, keys=keys)
    qtbot.waitUntil(lambda: page.check_panel.form.proposer.count() == 1 + len(keys.keys), timeout=5000)
    fill(page, data=transfer_data(KOWLOON, 10_000 * HKD), proposer=OWNERS[0], value="0", )
    page.check_panel.form.nonce.setText("7")
    check(qtbot, page)
    assert checker.recorded[-1].proposer == OWNERS[0] and checker.recorded[-1].nonce == 7


def test_the_event_loop_keeps_turning_during_a_slow_check(qtbot: QtBot, runner: TaskRunner) -> None:
    page, _policy, checker = open_page(qtbot, runner)
    gate = threading.Event()
    checker.gate = gate
    fill(page, data=transfer_data(KOWLOON, 10_000 * HKD))
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    page.check()
    form = page.check_panel.form
    assert page.checking and form.busy_bar.isVisible() and not form.check_button.isEnabled()
    qtbot.wait(200)
    assert len(ticks) >= 5 and page.checking  # the GUI thread is free while the check runs
    with qtbot.waitSignal(page.sig_check_shown, timeout=5000):
        gate.set()
    timer.stop()
    assert not form.busy_bar.isVisible() and form.check_button.isEnabled()


# -- recent decisions -----------------------------------------------------------------------------------------------
def test_recent_decisions_are_listed_newest_first_with_their_verdicts(qtbot: QtBot, runner: TaskRunner) -> None:
    policy = FakePolicy()
    checker = FakeChecker(policy)
    seed_decisions(checker)
    page, _policy, _checker = open_page(qtbot, runner, policy, checker)
    panel = page.decisions_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=5000)
    model = panel.model
    assert [model.data(model.index(r, 4)) for r in range(3)] == ["Deny", "Escalate", "Allow"]
    assert {model.data(model.index(r, 1)) for r in range(3)} == {"Harbour client vault"}
    assert model.data(model.index(0, 3)).startswith("transfer 2,000,000.00 HKDH from Harbour client vault")
    assert panel.verdicts_model.rows()[0].rule == "default-deny"  # the newest is chosen
    panel.table.selectRow(2)
    assert panel.verdicts_model.rows()[0].rule == "small-hkdh-to-investors"
    assert panel.headline.text().startswith("Allow — Harbour client vault, nonce 5")
    assert checker.threads["recent_decisions"] != threading.get_ident()
    assert DANA in model.data(model.index(0, 4), Qt.ItemDataRole.ToolTipRole)  # the proposer, in the tooltip


# -- the window and the session -------------------------------------------------------------------------------------
def policy_services(policy: FakePolicy, checker: FakeChecker) -> FakeServices:
    services = FakeServices(vaults=FakeVaults(policy_vaults()), network=FakeNetwork(120),
                            holdings=FakeHoldings(make_snapshot(120)))
    services.policy = policy  # type: ignore[attr-defined]
    services.policy_checker = checker  # type: ignore[attr-defined]
    return services


def test_the_session_attaches_the_policy_and_it_is_read_only_when_the_tab_is_shown(qtbot: QtBot,
                                                                                   runner: TaskRunner) -> None:
    policy = FakePolicy()
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile(names=dict(NAMES))),
                            build_services=builder(policy_services(policy, FakeChecker(policy))),
                            status_interval_ms=50)
    window.show()
    with qtbot.waitSignal(session.sig_live_data_shown, timeout=5000):
        session.start()
    page = window.policy_page
    assert page.attached and not page.built and policy.calls == []  # start-up pays for none of it
    with qtbot.waitSignal(page.sig_policy_shown, timeout=5000):
        window.pages.setCurrentWidget(page)
    form = page.check_panel.form
    assert [form.vault.itemData(i) for i in range(form.vault.count())] == [v.address for v in policy_vaults()]
    assert form.vault.itemText(0).startswith("Harbour client vault")
    session.close()
    assert not page.attached


def test_the_investor_view_has_no_policy_tab(qtbot: QtBot, runner: TaskRunner) -> None:
    policy = FakePolicy()
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    assert "&Policy" in [window.pages.tabText(i) for i in range(window.pages.count())]
    window.enter_investor_view(None)
    assert "&Policy" not in [window.pages.tabText(i) for i in range(window.pages.count())]
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile()),
                            build_services=builder(policy_services(policy, FakeChecker(policy))),
                            status_interval_ms=50)
    window.show()
    with qtbot.waitSignal(session.sig_live_data_shown, timeout=5000):
        session.start()
    assert not window.policy_page.attached and not window.policy_page.isVisible() and policy.calls == []
    session.close()


# -- outside text (E1, E2, E4) --------------------------------------------------------------------------------------
def test_outside_text_is_shown_literally_and_never_as_rich_text(qtbot: QtBot, runner: TaskRunner) -> None:
    policy = FakePolicy(text=hostile_text())
    page, _policy, checker = open_page(qtbot, runner, policy)
    page.set_address_names({**NAMES, OWNERS[0]: HOSTILE})
    with qtbot.waitSignal(page.sig_policy_shown, timeout=5000):
        page.refresh()
    rules = page.active_panel.rules.toPlainText()
    assert '<a href="#claim">Claim</a>' in rules and "<U+202E>exe.txt" in rules  # literal; RLO shown
    assert "\u202e" not in rules and "\u202e" not in page.drafts_panel.base_text.toPlainText()
    labels = page.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert '<a href="#claim">' in page.active_panel.approved.text()
    fill(page, data=transfer_data(KOWLOON, 10 * HKD))
    check(qtbot, page)
    tip = page.check_panel.result.model.data(page.check_panel.result.model.index(0, VerdictColumn.REASON),
                                             Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("<qt>") and "<a " not in tip  # tooltips are escaped
    dialog = open_dialog(qtbot, page, page.approve_selected)
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in dialog.findChildren(QLabel))
    dialog.reject()
    assert checker.recorded


# -- the models -----------------------------------------------------------------------------------------------------
def test_the_policy_models_pass_qtmodeltester(qtbot: QtBot, runner: TaskRunner, qtmodeltester: ModelTester) -> None:
    policy = FakePolicy()
    checker = FakeChecker(policy)
    seed_decisions(checker)
    page, _policy, _checker = open_page(qtbot, runner, policy, checker)
    qtbot.waitUntil(lambda: page.decisions_panel.model.rowCount() == 3, timeout=5000)
    for model in (page.drafts_panel.model, page.drafts_panel.changes_model, page.decisions_panel.model,
                  page.decisions_panel.verdicts_model):
        qtmodeltester.check(model)
    drafts = DraftsTableModel()
    drafts.set_rows(page.drafts_panel.model.rows())
    qtmodeltester.check(drafts)
    drafts.clear()
    qtmodeltester.check(drafts)
    changes = ChangesTableModel()
    changes.set_rows([ChangeLine("loosens", "a new contact"), ChangeLine("tightens", "a lower limit")])
    qtmodeltester.check(changes)
    verdicts = VerdictsTableModel()
    verdicts.set_rows([VerdictRow(1, "chain", "pass", "on chain 1"), VerdictRow(2, "delegatecall", "deny", "no")])
    qtmodeltester.check(verdicts)
    decisions = DecisionsTableModel()
    rows: list[DecisionRow] = page.decisions_panel.model.rows()
    decisions.set_rows(rows[:1])
    qtmodeltester.check(decisions)
    assert decisions.headerData(0, Qt.Orientation.Horizontal) == "Checked"
    assert QApplication.instance() is not None
