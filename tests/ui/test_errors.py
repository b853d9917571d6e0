"""The one presenter: what each kind of exception shows, and that dialogs are plain text."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ui.errors import ErrorPresenter, ErrorReport, describe_error, one_line
from wallet_app.errors import NodeUnreachable, ProfileNotFound, SchemaTooNew, UserCancelled


def open_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_wallet_error_shows_its_message_and_code() -> None:
    report = describe_error(SchemaTooNew("This database was written by a newer Custos (schema 7)."))
    assert report is not None
    assert report.text == "This database was written by a newer Custos (schema 7)."
    assert report.code == "schema_too_new"
    assert not report.unexpected


def test_user_cancelled_shows_nothing() -> None:
    shown: list[ErrorReport] = []
    ErrorPresenter(show=lambda report, _parent: shown.append(report)).present(UserCancelled())
    assert describe_error(UserCancelled()) is None
    assert shown == []


def test_unexpected_error_names_only_the_type_and_logs_the_traceback(caplog: pytest.LogCaptureFixture) -> None:
    shown: list[ErrorReport] = []
    presenter = ErrorPresenter(show=lambda report, _parent: shown.append(report))
    try:
        raise KeyError("0xdeadbeef private detail")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="ui.errors"):
            presenter.present(exc)
    (report,) = shown
    assert report.unexpected
    assert "KeyError" in report.text
    assert "deadbeef" not in report.text and "Traceback" not in report.text
    assert "Traceback" in caplog.text
    assert one_line(KeyError("x")) == "Unexpected error (KeyError)."


def test_E1_dialog_is_plain_text_non_blocking_and_not_duplicated(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    presenter = ErrorPresenter()
    hostile = NodeUnreachable("<b>bold</b> <a href='https://evil.example'>click</a>")
    presenter.present(hostile, parent)  # returns at once: the box is window-modal, not exec()'d
    presenter.present(hostile, parent)
    qtbot.waitUntil(lambda: len(open_boxes()) == 1)
    (box,) = open_boxes()
    try:
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert box.text() == "<b>bold</b> <a href='https://evil.example'>click</a>"
        assert box.informativeText() == "Error code: node_unreachable"
        informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
        assert informative is None or informative.textFormat() == Qt.TextFormat.PlainText
    finally:
        box.done(0)
    qtbot.waitUntil(lambda: not open_boxes())
    presenter.present(ProfileNotFound("There is no profile named 'nope'."), parent)
    qtbot.waitUntil(lambda: len(open_boxes()) == 1)
    open_boxes()[0].done(0)
