"""Pairing an offline signer on the online desktop: what its account UR declared (address, key origin, device name),
decoded and shown for the person to compare with the signer's own screen, a label (the device name unless changed),
then `KeyService.add_offline` on the serial lane. The key is recorded with kind offline and no secret.

An address this profile already holds is said as soon as the dialog opens and cannot be paired again; the command
checks it once more against the profile itself before it records anything, so that nothing is recorded when any of
the accounts is refused. The account UR is read beforehand with the scan dialog and `AccountUrCollector`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ui.dialogs.add_key_dialogs import label_field
from ui.dialogs.command_dialog import CommandDialog, address_label, bold
from ui.key_service import KeyServiceLike, key_origin_text
from ui.plain_text import reveal_invisible
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView
    from wallet_app.offline.pairing import PairedAccount

INTRO = ("The offline signer showed this account. Compare the address with the one on the signer's own screen: "
         "Custos records it as a key of kind offline (address and key origin, never a secret), and sign requests "
         "for it go to that device as QR codes.")
SEVERAL_NOTE = "Each key gets this label followed by its key origin."


def key_label(label: str, account: PairedAccount, several: bool) -> str:
    """The label a paired key gets: as typed, or (for one of several keys) followed by its key origin or address,
    as `custos offline pair` does."""
    return f"{label} ({account.path or account.address[:10]})" if several else label


def held_text(addresses: Sequence[str]) -> str:
    return (f"This profile already holds {', '.join(addresses)}: nothing can be paired from this account. Delete "
            "that key first to pair it again.")


class PairOfflineDialog(CommandDialog):
    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, accounts: Sequence[PairedAccount],
                 held: Iterable[str] = (), parent: QWidget | None = None) -> None:  # fmt: skip
        several = len(accounts) > 1
        super().__init__(runner=runner, title="Pair an offline signer", intro=INTRO,
                         submit_text=f"Pair {len(accounts)} keys" if several else "Pair signer", parent=parent)
        self.setObjectName("pairOfflineDialog")
        self._keys = keys
        self.accounts = list(accounts)
        devices = list(dict.fromkeys(account.device for account in self.accounts))
        self.device = bold(PlainLabel(", ".join(reveal_invisible(d, max_length=64) for d in devices),
                                      selectable=True))
        self.device.setObjectName("pairDevice")
        self.form.addRow(PlainLabel("Device:"), self.device)
        self.address_labels: list[PlainLabel] = []
        self.origin_labels: list[PlainLabel] = []
        for number, account in enumerate(self.accounts, start=1):
            address, origin = address_label(account.address), PlainLabel(
                key_origin_text(account.path, account.fingerprint), selectable=True)
            origin.setWordWrap(True)
            suffix = f" {number}" if several else ""
            self.form.addRow(PlainLabel(f"Address{suffix}:"), address)
            self.form.addRow(PlainLabel(f"Key origin{suffix}:"), origin)
            self.address_labels.append(address)
            self.origin_labels.append(origin)
        self.label = label_field("For example: Ben (treasury officer)")
        self.label.setText(reveal_invisible(devices[0], max_length=80) if devices else "")
        self.label.textChanged.connect(self.update_ready)
        self.form.addRow(PlainLabel("Label:"), self.label)
        if several:
            self.form.addRow(PlainLabel(""), PlainLabel(SEVERAL_NOTE))
        self.busy_label.setText("Recording the key…")
        known = {address.lower() for address in held}
        self.held = [account.address for account in self.accounts if account.address.lower() in known]
        if self.held:
            self.error.show_error(held_text(self.held))
        self.update_ready()

    def ready(self) -> bool:
        return bool(self.accounts) and not self.held and bool(self.label.text().strip())

    def make_command(self) -> Callable[[], object]:
        keys, accounts, label = self._keys, list(self.accounts), self.label.text().strip()
        several = len(accounts) > 1

        def pair() -> list[KeyView]:
            known = {key.address.lower() for key in keys.load_keys()}
            taken = [account.address for account in accounts if account.address.lower() in known]
            if taken:
                raise ConfigError(held_text(taken))
            return [keys.add_offline(account.address, key_label(label, account, several), device=account.device,
                                     path=account.path, fingerprint=account.fingerprint) for account in accounts]

        return pair
