"""Item models: qtmodeltester on each with real rows, and what a person reads in the cells."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.fakes import OPERATIONS, OWNERS, TREASURY, make_vaults
from ui.models.owners_model import OwnersModel
from ui.models.vaults_model import SORT_ROLE, VAULT_ROLE, VaultColumn, VaultsTableModel
from wallet_app.domain.vaults import VaultInfo

DISPLAY = Qt.ItemDataRole.DisplayRole


def make_model() -> VaultsTableModel:
    model = VaultsTableModel(native_symbol="HSK", native_decimals=18)
    model.set_vaults(make_vaults(), stale=True)
    return model


def cell(model: VaultsTableModel | QSortFilterProxyModel, row: int, column: VaultColumn, role: int = DISPLAY) -> object:
    return model.data(model.index(row, column), role)


def test_vaults_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = make_model()
    qtmodeltester.check(model)
    model.set_vaults(make_vaults(130, nonce=4), stale=False)  # refresh in place
    model.set_vaults(list(reversed(make_vaults())))  # different order: reset
    model.set_vaults([])
    qtmodeltester.check(model)


def test_sorting_proxy_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(SORT_ROLE)
    proxy.setSourceModel(make_model())
    proxy.sort(VaultColumn.BALANCE)
    qtmodeltester.check(proxy)


def test_owners_model_passes_qtmodeltester(qtmodeltester: ModelTester) -> None:
    model = OwnersModel()
    model.set_owners(OWNERS)
    qtmodeltester.check(model)
    model.set_owners(OWNERS[:1])
    qtmodeltester.check(model)


def test_cells_show_full_address_threshold_and_exact_balance(qapp: object) -> None:
    model = make_model()
    assert cell(model, 0, VaultColumn.LABEL) == "Treasury"
    assert cell(model, 0, VaultColumn.ADDRESS) == TREASURY  # full, checksummed
    assert cell(model, 0, VaultColumn.VERSION) == "1.4.1"
    assert cell(model, 0, VaultColumn.THRESHOLD) == "2 of 3"
    assert cell(model, 0, VaultColumn.NONCE) == "3"
    assert cell(model, 0, VaultColumn.BALANCE) == "1,250.5 HSK"
    assert cell(model, 1, VaultColumn.BALANCE) == "0.42 HSK"
    assert "1250500000000000000000 base units" in str(cell(model, 0, VaultColumn.BALANCE, Qt.ItemDataRole.ToolTipRole))
    assert cell(model, 1, VaultColumn.ADDRESS, VAULT_ROLE) == make_vaults()[1]
    address_font = cell(model, 0, VaultColumn.ADDRESS, Qt.ItemDataRole.FontRole)
    assert address_font.fixedPitch() or address_font.styleHint() == address_font.StyleHint.Monospace


def test_native_unit_follows_the_profile(qapp: object) -> None:
    model = make_model()
    model.set_native_unit("ETH", 6)
    assert cell(model, 1, VaultColumn.BALANCE) == "420,000,000,000 ETH"


def test_cached_rows_are_italic_and_live_rows_are_not(qapp: object) -> None:
    model = make_model()
    assert cell(model, 0, VaultColumn.LABEL, Qt.ItemDataRole.FontRole).italic()
    model.set_vaults(make_vaults(), stale=False)
    assert cell(model, 0, VaultColumn.LABEL, Qt.ItemDataRole.FontRole) is None
    assert not cell(model, 0, VaultColumn.ADDRESS, Qt.ItemDataRole.FontRole).italic()


def test_refresh_of_the_same_vaults_updates_rows_in_place(qtbot: QtBot) -> None:
    model = make_model()
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        model.set_vaults(make_vaults(131, nonce=9), stale=False)
    assert cell(model, 0, VaultColumn.NONCE) == "9"
    with qtbot.waitSignal(model.modelReset):
        model.set_vaults(make_vaults()[:1])
    assert model.rowCount() == 1


def test_balances_beyond_64_bits_sort_correctly(qapp: object) -> None:
    big = 2**200
    vaults = [
        VaultInfo(TREASURY, "Big", "1.4.1", OWNERS, 2, 0, big, 1),
        VaultInfo(OPERATIONS, "Small", "1.3.0", OWNERS, 2, 0, 2**63 + 1, 1),
    ]
    model = VaultsTableModel(native_symbol="HSK", native_decimals=18)
    model.set_vaults(vaults)
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(SORT_ROLE)
    proxy.setSourceModel(model)
    proxy.sort(VaultColumn.BALANCE, Qt.SortOrder.AscendingOrder)
    assert [cell(proxy, r, VaultColumn.LABEL) for r in range(2)] == ["Small", "Big"]
    proxy.sort(VaultColumn.VERSION, Qt.SortOrder.AscendingOrder)
    assert [cell(proxy, r, VaultColumn.LABEL) for r in range(2)] == ["Small", "Big"]


def test_E4_hidden_characters_in_labels_are_made_visible(qapp: object) -> None:
    spoof = VaultInfo(TREASURY, "Pay\u202eroll\u200b", "1.4.1", OWNERS, 2, 0, 0, 1)
    model = VaultsTableModel()
    model.set_vaults([spoof])
    assert cell(model, 0, VaultColumn.LABEL) == "Pay<U+202E>roll<U+200B>"


def test_owner_rows_display_exactly_the_address(qapp: object) -> None:
    model = OwnersModel()
    model.set_owners(OWNERS)
    assert [model.data(model.index(r, 0)) for r in range(3)] == list(OWNERS)


def test_owner_rows_carry_the_address_book_name_as_plain_text(qtmodeltester: ModelTester) -> None:
    model = OwnersModel()
    model.set_owners(OWNERS)
    model.set_names({OWNERS[0]: "Alice Chan (officer)", OWNERS[2]: "Eve\u202egnp.exe"})
    qtmodeltester.check(model)
    display = [model.data(model.index(r, 0)) for r in range(3)]
    assert display[0] == f"{OWNERS[0]}   Alice Chan (officer)"
    assert display[1] == OWNERS[1]
    assert "<U+202E>" in display[2] and "\u202e" not in display[2]
    assert model.data(model.index(0, 0), Qt.ItemDataRole.EditRole) == OWNERS[0]
    assert model.owners() == list(OWNERS)  # copying copies addresses, never names
