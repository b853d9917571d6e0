"""The Keys page's "Selected key" box: the key's label, address, kind, the vaults it owns and whether it can sign
now; for a paired offline signer's key also the device and key origin it declared when it was paired."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFormLayout, QGroupBox, QVBoxLayout, QWidget

from ui.key_service import OFFLINE, can_unlock, key_origin_text, kind_of, kind_text, secret_name
from ui.models.keys_model import owns_text
from ui.plain_text import reveal_invisible
from ui.widgets.address_view import AddressView
from ui.widgets.plain_label import PlainLabel

if TYPE_CHECKING:
    from wallet_app.keys.registry import OfflineOrigin
    from wallet_app.keys.views import KeyView

PLACEHOLDER_TEXT = "Select a key to see what it owns and what you can do with it."
WATCH_STATE = "Watch-only: nothing here can sign for it, so it cannot be unlocked or exported."
OFFLINE_STATE = ("Offline signer: it signs on its own device, from sign requests this desktop shows as QR codes; "
                 "this profile holds no secret of it.")


class KeyDetails(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Selected key", parent)
        self.setObjectName("keyDetails")
        self._address = ""
        self.placeholder = PlainLabel(PLACEHOLDER_TEXT)
        self.title = PlainLabel(selectable=True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.address = AddressView()
        self.kind = PlainLabel()
        self.paired = PlainLabel(selectable=True)
        self.paired.setObjectName("keyPairedWith")
        self.paired.setWordWrap(True)
        self.owns = PlainLabel()
        self.owns.setWordWrap(True)
        self.state = PlainLabel()
        self.state.setWordWrap(True)
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow(PlainLabel("Address:"), self.address)
        self._form.addRow(PlainLabel("Kind:"), self.kind)
        self._form.addRow(PlainLabel("Paired with:"), self.paired)
        self._form.addRow(PlainLabel("Owner of:"), self.owns)
        self._form.addRow(PlainLabel("State:"), self.state)
        self.form_holder = QWidget()
        self.form_holder.setLayout(self._form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.title)
        layout.addWidget(self.form_holder)
        layout.addStretch(1)
        self.show_key(None)

    def show_key(self, key: KeyView | None) -> None:
        """Show `key` (None: the placeholder). An offline key's origin follows through `show_origin`."""
        has = key is not None
        self.placeholder.setVisible(not has)
        self.title.setVisible(has)
        self.form_holder.setVisible(has)
        self._form.setRowVisible(self.paired, key is not None and kind_of(key) == OFFLINE)
        self.paired.clear()
        if key is None:
            self._address = ""
            self.title.clear()
            self.address.set_address("")
            for label in (self.kind, self.owns, self.state):
                label.clear()
            return
        self._address = key.address
        self.title.setText(reveal_invisible(key.label, max_length=80))
        self.address.set_address(key.address)
        self.kind.setText(kind_text(key))
        self.owns.setText(owns_text(key) if key.vaults else "No vault of this profile")
        if can_unlock(key):
            state = "Unlocked: it can sign now." if key.unlocked else "Locked: unlock it to sign."
            if key.remembered:
                state += f" Its {secret_name(key)} is remembered in this device's OS keyring."
        else:
            state = OFFLINE_STATE if kind_of(key) == OFFLINE else WATCH_STATE
        self.state.setText(state)

    def show_origin(self, address: str, origin: OfflineOrigin | None, problem: str = "") -> None:
        """What the offline signer of `address` declared when paired (if that key is still the one shown)."""
        if address != self._address:
            return
        if origin is None:
            self.paired.setText(problem or "Its pairing record is missing.")
            return
        device = reveal_invisible(origin.device, max_length=64)
        self.paired.setText(f"“{device}”, key origin {key_origin_text(origin.path, origin.fingerprint)}")
