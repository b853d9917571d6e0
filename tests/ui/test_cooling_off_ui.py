"""The cooling-off of new contacts said where a user meets it, on a real demo profile (issue 16, item 3): the propose
dialog says when the recipient typed opens before anyone signs, and the Approvals page says it for a queued payout.

The module's demo queues a payout to Kowloon Pension Trust, then the governance quorum re-dates that contact to an
hour ago (version 2, in force at once): both HKDH payout rules of the demo policy wait 72 hours after that."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from tests.support.cooling_off import redate_contact
from tests.ui.queue_demo import ALICE, BEN, CARMEN, CLIENT_VAULT, HKDH, Demo, open_demo
from ui.dialogs.propose_tx_dialog import OWNERS, ProposeTxDialog
from ui.pages.approvals_page import ApprovalsPage
from ui.queue_sources import sources_from_services
from ui.tasks import TaskRunner

WAIT = 20_000
HKT = ZoneInfo("Asia/Hong_Kong")


@dataclass
class Cooling:
    demo: Demo
    kowloon: str  # the contact's address
    opens: datetime  # when its cooling-off ends
    queued: str  # the safeTxHash of the payout queued before it was re-dated

    @property
    def opens_text(self) -> str:
        return f"Kowloon Pension Trust opens for HKDH transfers on {self.opens.astimezone(HKT):%Y-%m-%d %H:%M} HKT"


@pytest.fixture(scope="module")
def cooling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cooling]:
    with open_demo(tmp_path_factory.mktemp("cooling-off")) as demo:
        contacts = demo.services.policy.active().document.book.labels
        kowloon = contacts["Kowloon Pension Trust"].address
        queued = demo.propose(to=kowloon, units=1_500 * 10**6)
        added = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
        redate_contact(demo.services.policy, "Kowloon Pension Trust", added,
                       [demo.signer(ALICE), demo.signer(BEN), demo.signer(CARMEN)])
        yield Cooling(demo, kowloon, added + timedelta(hours=72), queued.safe_tx_hash)


def open_dialog(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> ProposeTxDialog:
    dialog = ProposeTxDialog(runner=runner, queue=demo.services.queue, sources=sources_from_services(demo.services),
                             vault=demo[CLIENT_VAULT])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT):
        dialog.show()
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
    return dialog


def test_the_propose_dialog_says_when_the_recipient_opens(qtbot: QtBot, runner: TaskRunner, cooling: Cooling) -> None:
    demo = cooling.demo
    dialog = open_dialog(qtbot, runner, demo)
    form = dialog.transfer
    form.asset.setCurrentIndex(form.asset.findData(demo[HKDH]))
    form.amount.setText("1200")
    line = form.cooling
    assert not line.isVisible()  # no recipient yet
    form.recipient.edit.setText(cooling.kowloon)
    assert line.isVisible() and line.tone == "warn"
    assert line.text().startswith(cooling.opens_text + " (72 h cooling-off for new contacts under rule "
                                                        "small-hkdh-to-investors, added ")
    assert dialog.blocking_reason() == ""  # said, not blocked: the policy decides when it is proposed
    # An investor added long ago: nothing to say. One no rule allows: never.
    contacts = demo.services.policy.active().document.book.labels
    form.recipient.edit.setText(contacts["Lion Rock Family Office"].address)
    assert not line.isVisible()
    form.recipient.edit.setText(contacts["Pending KYC Ltd"].address)
    assert line.isVisible() and line.tone == "bad"
    assert line.text() == ("Pending KYC Ltd never opens for HKDH transfers from this vault: no rule of the policy "
                           "could allow one.")
    # An owner change has no recipient to open.
    dialog.kind.setCurrentIndex(dialog.kind.findData(OWNERS))
    assert line.isHidden()


def test_the_approvals_page_says_when_a_queued_payout_opens(qtbot: QtBot, runner: TaskRunner,
                                                            cooling: Cooling) -> None:
    demo = cooling.demo
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.resize(1240, 760)
    page.attach(demo.services.queue, runner, sources_from_services(demo.services))
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: not runner.in_flight and not page.loading, timeout=WAIT)
    opening = page.details.opening
    assert page.select(cooling.queued)
    qtbot.waitUntil(lambda: opening.isVisible(), timeout=WAIT)  # once the policy in force was read
    assert opening.tone == "warn" and opening.text().startswith(cooling.opens_text + " (72 h cooling-off")
    # A payout to an investor of long standing: nothing said.
    other = next(e for e in demo.services.queue.load(demo[CLIENT_VAULT])
                 if e.state in ("proposed", "approving", "ready")
                 and cooling.kowloon.lower()[2:] not in e.item.safe_tx.data.hex())
    assert page.select(other.safe_tx_hash) and not opening.isVisible()
