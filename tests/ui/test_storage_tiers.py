"""The Holdings page's "Storage tiers" tab: the storage-tier report at the shown block, read off the GUI thread when
the tab is on screen, assets under the threshold said in words, readable on light and dark palettes."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.holdings_fakes import FakeHoldings, make_snapshot
from tests.unit.test_policy_rules import CLIENT, HDEED, HKDH, HMMF, TREASURY
from tests.unit.test_policy_vault_section import COLD
from tests.unit.test_storage_report import HOT, POLICY, NamedAsset, holding, snapshot
from ui.models.storage_rows import StorageColumn, prepare_storage
from ui.pages.holdings_page import HoldingsPage
from ui.tasks import TaskRunner
from ui.widgets.storage_tiers import BELOW_ROLE, StorageTiersView
from wallet_app.holdings.model import NATIVE, Standard
from wallet_app.holdings.storage_report import NoClientAssetVaults, StorageReport, build_storage_report

HOSTILE = "HK\u202eDH\u200b"
NAMED = replace(POLICY, assets=(NamedAsset("HKDH", HKDH), NamedAsset("HMMF", HMMF), NamedAsset("HSK", NATIVE),
                                NamedAsset("HDEED", HDEED)))


def make_report(block: int = 120) -> StorageReport:
    snap = snapshot(
        holding(COLD, HKDH, 24_500_000 * 10**6, value=24_500_000 * 10**6),
        holding(CLIENT, HKDH, 400_000 * 10**6, value=400_000 * 10**6),
        holding(HOT, HKDH, 100_000 * 10**6, value=100_000 * 10**6),
        holding(COLD, HMMF, 900_000 * 10**6), holding(CLIENT, HMMF, 300_000 * 10**6),
        holding(COLD, NATIVE, 10**18, standard=Standard.NATIVE, decimals=18, value=41_250_000),
        holding(CLIENT, HDEED, 1, standard=Standard.ERC721, token_id=1, decimals=0, symbol="HDEED"),
        holding(COLD, "0x" + "ab" * 20, 5, symbol=HOSTILE, verified=False),
        holding(TREASURY, HMMF, 10**12))
    return build_storage_report(NAMED, replace(snap, block_number=block))


class FakeReports:
    def __init__(self, report: StorageReport | None = None, error: Exception | None = None) -> None:
        self.report, self.error = report, error
        self.blocks: list[int | None] = []
        self.threads: list[int] = []

    def __call__(self, block: int | None) -> StorageReport:
        self.blocks.append(block)
        self.threads.append(threading.get_ident())
        if self.error is not None:
            raise self.error
        assert self.report is not None and block is not None
        return make_report(block)


def test_the_view_says_below_in_words_and_shows_untrusted_symbols_as_plain_text(qtbot: QtBot) -> None:
    view = StorageTiersView()
    qtbot.addWidget(view)
    view.show_storage(prepare_storage(make_report()))
    symbols = [view.table.item(r, StorageColumn.ASSET).text() for r in range(view.table.rowCount())]  # type: ignore[union-attr]
    assert symbols[:3] == ["HKDH", "HMMF", "HSK"] and "\u202e" not in "".join(symbols)
    assert any("<U+202E>" in s for s in symbols)
    statuses = view.status_texts()
    assert statuses[0] == "at or above"  # 24.5 M of 25 M: 98.00 %
    assert statuses[1] == "BELOW 98.00 %"  # HMMF: 75.00 %
    assert "BELOW 98.00 %" in statuses[3] and "HDEED" in symbols[3]  # the deed sits warm
    assert statuses[-1] == "at or above · unreviewed token"
    hmmf = view.table.item(1, StorageColumn.COLD_SHARE)
    assert hmmf is not None and hmmf.text() == "75.00 %" and hmmf.font().bold() and hmmf.data(BELOW_ROLE) is True
    hkdh = view.table.item(0, StorageColumn.COLD_SHARE)
    assert hkdh is not None and hkdh.text() == "98.00 %" and not hkdh.font().bold()
    assert view.table.item(1, StorageColumn.VALUE).text() == "no price"  # type: ignore[union-attr]
    assert view.verdict.text() == "2 assets below 98.00 % cold: HMMF, HDEED"
    assert "Treasury" in view.vaults.text() and "not counted" in view.vaults.text()
    assert "98.00 %" in view.header.text() and "policy version 4" in view.header.text()


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, QColor(0x20, 0x20, 0x20)),
                         (QPalette.ColorRole.Base, QColor(0x18, 0x18, 0x18)),
                         (QPalette.ColorRole.Text, QColor(0xEE, 0xEE, 0xEE)),
                         (QPalette.ColorRole.WindowText, QColor(0xEE, 0xEE, 0xEE))):
        palette.setColor(role, colour)
    return palette


def test_the_below_rows_stay_readable_on_light_and_dark_palettes(qtbot: QtBot) -> None:
    view = StorageTiersView()
    qtbot.addWidget(view)
    view.show_storage(prepare_storage(make_report()))
    shades = []
    for palette in (QApplication.palette(), dark_palette()):
        view.setPalette(palette)
        item = view.table.item(1, StorageColumn.STATUS)
        assert item is not None and item.text() == "BELOW 98.00 %"
        colour = item.foreground().color()
        shades.append(colour.name())
        assert _contrast(colour, palette.color(QPalette.ColorRole.Base)) >= 4.5
        assert _contrast(view.verdict.palette().color(view.verdict.foregroundRole()),
                         palette.color(QPalette.ColorRole.Window)) >= 4.5
    assert shades[0] != shades[1]  # a darker shade on light, a lighter one on dark


def test_the_page_reads_the_report_at_the_shown_block_off_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    page = HoldingsPage()
    qtbot.addWidget(page)
    holdings = FakeHoldings(make_snapshot(120))
    page.attach(holdings, runner)
    tab = page.storage_tiers
    assert not page.tabs.isTabVisible(tab.index)  # no reader yet (the investor view never gets one)
    reports = FakeReports(make_report())
    page.attach_storage(reports)
    assert page.tabs.isTabVisible(tab.index) and page.tabs.tabText(tab.index) == "Storage tiers"
    with qtbot.waitSignal(page.sig_holdings_shown, timeout=5000):
        page.follow_block(120)
    assert reports.blocks == []  # not on screen: nothing read
    page.tabs.setCurrentIndex(tab.index)
    qtbot.waitUntil(lambda: tab.view.shown_block == 120, timeout=5000)
    assert reports.blocks == [120] and reports.threads[0] != threading.get_ident()
    assert tab.view.status_texts()[1] == "BELOW 98.00 %"
    holdings.snapshot = make_snapshot(121)
    with qtbot.waitSignal(page.sig_holdings_shown, timeout=5000):
        page.follow_block(121)
    qtbot.waitUntil(lambda: tab.view.shown_block == 121, timeout=5000)
    assert reports.blocks == [120, 121]
    page.tabs.setCurrentIndex(0)
    page.tabs.setCurrentIndex(tab.index)  # shown again at the same block: not read again
    qtbot.waitUntil(lambda: runner.in_flight == 0)
    assert reports.blocks == [120, 121]


def test_a_policy_without_client_vaults_is_said_in_the_tab(qtbot: QtBot, runner: TaskRunner) -> None:
    page = HoldingsPage()
    qtbot.addWidget(page)
    page.attach(FakeHoldings(make_snapshot(120)), runner)
    page.attach_storage(FakeReports(error=NoClientAssetVaults("The policy in force marks no vault as holding "
                                                              "client assets")))
    page.tabs.setCurrentIndex(page.storage_tiers.index)
    with qtbot.waitSignal(page.sig_holdings_shown, timeout=5000):
        page.follow_block(120)
    view = page.storage_tiers.view
    qtbot.waitUntil(lambda: "marks no vault" in view.message.text(), timeout=5000)
    assert view.stack.currentWidget() is view.message and "block 120" in view.message.text()


def test_the_pdf_escapes_outside_text_and_says_below_in_words(tmp_path: Path) -> None:
    from ui.storage_report_pdf import build_storage_report_html, render_storage_report_pdf

    report = make_report()
    html = build_storage_report_html(report)
    assert "\u202e" not in html and "HK&lt;U+202E&gt;DH" in html  # never markup, never a bidi override
    assert html.count("BELOW 98.00 %") == 2 and "Cold-storage threshold: 98.00 %" in html
    assert "25,000,000.00" in html and "no (not counted)" in html
    path = render_storage_report_pdf(report, tmp_path / "storage.pdf")
    assert path.read_bytes().startswith(b"%PDF")
