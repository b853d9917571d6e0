"""The strip on every screen of the offline signer saying that this computer never connects to a network, in a blue
tinted from the window colour (like the demo banner's amber)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.widgets.demo_banner import BLUE, TintedBanner

OFFLINE_TEXT = "Offline signer — this computer never connects to a network"


class OfflineBanner(TintedBanner):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(OFFLINE_TEXT, BLUE, parent, accessible_name="Offline signer", scale=1.1,
                         object_name="offlineBanner")
