"""Screenshots of the compliance desk (issue 16), offscreen, in a light and a dark palette, on a real demo profile:
the Counterparties tab with Kowloon Pension Trust's proven address selected, the ownership dialog with a signature
challenge issued for Victoria Harbour Endowment's address, the Travel Rule dialog of a 20,000 HKDH payout to it once
its address was taken out of the records (the beneficiary chosen from its record), and the Approvals tab with that
payout's Travel Rule record in its details.

.venv/bin/python -m tests.ui.make_compliance_shots      # writes shots/*_compliance_*.png (gitignored)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.make_shots import live_window, settle_and_save, shoot_both_palettes, wait_until
from tests.ui.queue_demo import DANA, DEMO_PASSWORD, HKDH, open_demo, sql

VICTORIA = "Victoria Harbour Endowment"


def render(app: QApplication, name: str) -> None:
    def save(widget: QWidget, file: str) -> None:
        settle_and_save(app, widget, file, name)

    with open_demo(Path(tempfile.mkdtemp(prefix="custos-shots-"))) as demo:
        book = demo.services.compliance.counterparties
        victoria = book.find(VICTORIA).addresses[0].address
        with live_window(app, demo) as (window, runner):
            page = window.counterparties_page
            window.pages.setCurrentWidget(page)
            wait_until(app, lambda: bool(page.rows) and not page.loading and not runner.in_flight, timeout=60)
            page.select("Kowloon Pension Trust")  # no address selected: its proof shows in its colour
            save(window, "counterparties_compliance")

            page.select(VICTORIA, victoria)
            ownership = page.open_ownership_dialog()
            assert ownership is not None
            wait_until(app, lambda: not ownership.busy and ownership.vault.count() > 0, timeout=60)
            ownership.signature.issue_button.click()
            wait_until(app, lambda: ownership.signature.challenge.challenge is not None and not ownership.busy,
                       timeout=60)
            ownership.resize(780, 560)
            save(ownership, "ownership_compliance")
            ownership.reject()
            wait_until(app, lambda: page.dialog is None, timeout=60)

            sql(demo, "DELETE FROM counterparty_addresses WHERE address = :a", a=victoria)
            approvals = window.approvals_page
            window.pages.setCurrentWidget(approvals)
            wait_until(app, lambda: approvals.state is not None and not approvals.loading and not runner.in_flight,
                       timeout=60)
            propose = approvals.open_propose_dialog()
            assert propose is not None
            loaded: list[bool] = []
            propose.sig_loaded.connect(lambda: loaded.append(True))
            wait_until(app, lambda: bool(loaded) and not runner.in_flight, timeout=60)
            propose.transfer.asset.setCurrentIndex(propose.transfer.asset.findData(demo[HKDH]))
            propose.transfer.amount.setText("20000.00")
            propose.transfer.recipient.edit.setText(victoria)
            propose.proposer.setCurrentIndex(propose.proposer.findData(demo[DANA]))
            propose.password.setText(DEMO_PASSWORD)
            opened: list[QWidget] = []
            propose.travel_rule.sig_opened.connect(opened.append)
            propose.submit()
            wait_until(app, lambda: bool(opened) and opened[0].originator.count() > 1, timeout=60)  # type: ignore[attr-defined]
            travel = opened[0]
            travel.beneficiary.setCurrentIndex(travel.beneficiary.findData(VICTORIA))  # type: ignore[attr-defined]
            save(travel, "travel_rule_compliance")
            travel.password.setText(DEMO_PASSWORD)  # type: ignore[attr-defined]
            queued: list[str] = []
            propose.sig_queue_changed.connect(queued.append)
            travel.submit()  # type: ignore[attr-defined]
            wait_until(app, lambda: bool(queued) and not runner.in_flight and not propose.busy, timeout=60)
            propose.reject()
            wait_until(app, lambda: approvals.dialog is None and not approvals.loading and not runner.in_flight,
                       timeout=60)
            approvals.select(queued[0])
            wait_until(app, lambda: approvals.details.travel_rule.isVisible() and not runner.in_flight, timeout=60)
            approvals.details.resize(1240, 320)
            save(approvals.details, "approvals_travel_rule_compliance")


def main() -> int:
    return shoot_both_palettes(render)


if __name__ == "__main__":
    sys.exit(main())
