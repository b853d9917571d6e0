"""Screenshots of the cooling-off of new contacts (issue 16), offscreen, in a light and a dark palette, on a real demo
profile whose governance quorum re-dated Kowloon Pension Trust to an hour ago: the Approvals tab with the demo's
payout to it selected ("… opens for HKDH transfers on …"), and the propose dialog with it as the recipient, checked
with the policy.

.venv/bin/python -m tests.ui.make_cooling_off_shots      # writes shots/*_cooling_off_*.png (gitignored)
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

from tests.support.cooling_off import redate_contact
from tests.ui.make_shots import live_window, settle_and_save, shoot_both_palettes, wait_until
from tests.ui.queue_demo import ALICE, BEN, CARMEN, CLIENT_VAULT, DANA, HKDH, open_demo


def render(app: QApplication, name: str) -> None:
    def save(widget: QWidget, file: str) -> None:
        settle_and_save(app, widget, file, name)

    with open_demo(Path(tempfile.mkdtemp(prefix="custos-shots-"))) as demo:
        kowloon = demo.services.policy.active().document.book.labels["Kowloon Pension Trust"].address
        waiting = next(e for e in demo.services.queue.load(demo[CLIENT_VAULT])
                       if e.state in ("proposed", "approving") and kowloon.lower()[2:] in e.item.safe_tx.data.hex())
        added = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
        redate_contact(demo.services.policy, "Kowloon Pension Trust", added,
                       [demo.signer(ALICE), demo.signer(BEN), demo.signer(CARMEN)])
        with live_window(app, demo) as (window, runner):
            page = window.approvals_page
            window.pages.setCurrentWidget(page)
            wait_until(app, lambda: page.state is not None and not page.loading and not runner.in_flight, timeout=60)
            page.select(waiting.safe_tx_hash)
            wait_until(app, lambda: page.details.opening.isVisible(), timeout=60)
            save(window, "approvals_cooling_off")

            propose = page.open_propose_dialog()
            assert propose is not None
            loaded: list[bool] = []
            propose.sig_loaded.connect(lambda: loaded.append(True))
            wait_until(app, lambda: bool(loaded) and not runner.in_flight, timeout=60)
            propose.transfer.asset.setCurrentIndex(propose.transfer.asset.findData(demo[HKDH]))
            propose.transfer.amount.setText("1200.00")
            propose.transfer.recipient.edit.setText(kowloon)
            propose.proposer.setCurrentIndex(propose.proposer.findData(demo[DANA]))
            checked: list[str] = []
            propose.sig_checked.connect(checked.append)
            propose.check()
            wait_until(app, lambda: bool(checked) and not runner.in_flight, timeout=60)
            save(propose, "propose_cooling_off")
            propose.reject()
            wait_until(app, lambda: page.dialog is None, timeout=60)


def main() -> int:
    return shoot_both_palettes(render)


if __name__ == "__main__":
    sys.exit(main())
