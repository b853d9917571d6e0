"""Screenshots of the Audit tab's "Export evidence pack…" dialog (issue 16), offscreen, in a light and a dark palette,
on a real demo profile: Alice's key chosen, the period of the demo's activity, and the pack written (its path and
manifest digest shown).

.venv/bin/python -m tests.ui.make_evidence_shots      # writes shots/evidence_*.png (gitignored)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.make_shots import settle_and_save, shoot_both_palettes, wait_until
from tests.ui.queue_demo import ALICE, DEMO_PASSWORD, open_demo
from ui.dialogs.evidence_dialog import evidence_desk
from ui.errors import ErrorPresenter
from ui.pages.audit_page import AuditPage
from ui.tasks import TaskRunner


def render(app: QApplication, name: str) -> None:
    def save(widget: QWidget, file: str) -> None:
        settle_and_save(app, widget, file, name)

    folder = Path(tempfile.mkdtemp(prefix="custos-shots-"))
    with open_demo(folder) as demo:
        runner = TaskRunner(presenter=ErrorPresenter())
        page = AuditPage()
        page.resize(1280, 760)
        page.attach(demo.services.audit, runner, evidence=evidence_desk(demo.services))
        shown: list[int] = []
        page.sig_entries_shown.connect(shown.append)
        page.show()
        wait_until(app, lambda: bool(shown), timeout=60)
        page.export_evidence()
        dialog = page.evidence_dialog
        assert dialog is not None
        wait_until(app, lambda: dialog.key.isEnabled(), timeout=60)
        dialog.key.setCurrentIndex(dialog.key.findData(demo[ALICE]))
        dialog.out.setText(str(folder / "harbour-custody-evidence.zip"))
        dialog.password.setText(DEMO_PASSWORD)
        done: list[object] = []
        dialog.sig_exported.connect(done.append)
        dialog.submit()
        wait_until(app, lambda: bool(done) and not runner.in_flight, timeout=120)
        save(dialog, "evidence")
        dialog.reject()
        runner.shutdown(10)
        page.close()
        page.deleteLater()
        app.processEvents()


def main() -> int:
    return shoot_both_palettes(render)


if __name__ == "__main__":
    sys.exit(main())
