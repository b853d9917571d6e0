"""Status bar: connection state (dot and words), network, chain id, block height and where the data comes from."""

from __future__ import annotations

from PySide6.QtWidgets import QStatusBar, QWidget

from ui.plain_text import reveal_invisible
from ui.widgets.connection_dot import ConnectionDot, state_text
from ui.widgets.plain_label import PlainLabel
from wallet_app.domain.network import ChainStatus, ConnectionState

_MAX_MESSAGE = 140


class ChainStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.dot = ConnectionDot()
        self.state_label = PlainLabel("Starting…")
        self.message_label = PlainLabel()
        self.network_label = PlainLabel()
        self.chain_id_label = PlainLabel()
        self.block_label = PlainLabel()
        self.source_label = PlainLabel()
        self.dot.setAccessibleName("Connection state")
        self.addWidget(self.dot)
        self.addWidget(self.state_label)
        self.message_label.setContentsMargins(6, 0, 0, 0)
        self.addWidget(self.message_label, 1)
        for label in (self.network_label, self.chain_id_label, self.block_label, self.source_label):
            label.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(label)
        self.chain_id_label.hide()
        self.block_label.hide()
        self.source_label.hide()

    # -- what the window tells it ---------------------------------------------------------------------------
    def show_network(self, name: str, chain_id: int) -> None:
        """The network the profile expects, before anything has been read from it."""
        self.network_label.setText(reveal_invisible(name, max_length=60))
        self.chain_id_label.setText(f"Chain ID {chain_id}" if chain_id else "")
        self.chain_id_label.setVisible(bool(chain_id))

    def show_state(self, state: ConnectionState | None, message: str = "") -> None:
        self.dot.set_state(state)
        self.state_label.setText(state_text(state) if state is not None else "Not connected")
        shown = reveal_invisible(message, max_length=_MAX_MESSAGE)
        self.message_label.setText(shown)
        self.message_label.setToolTip(reveal_invisible(message, max_length=2000) if shown != message else "")
        self.dot.setToolTip(self.state_label.text())

    def show_status(self, status: ChainStatus) -> None:
        self.show_network(status.network_name, status.chain_id)
        self.show_state(status.state, status.message)
        self.show_block(status.block_number)
        self.network_label.setToolTip(reveal_invisible(status.endpoint, max_length=300))

    def show_block(self, block_number: int | None) -> None:
        self.block_label.setText(f"Block {block_number:,}" if block_number is not None else "Block —")
        self.block_label.setVisible(True)

    def show_source(self, *, cached_block: int | None = None, live: bool = False) -> None:
        """Where the vault data on screen comes from: the saved snapshot, or the chain."""
        if live:
            text = "Live data"
        elif cached_block is not None:
            text = f"Cached as of block {cached_block:,}"
        else:
            text = ""
        self.source_label.setText(text)
        self.source_label.setVisible(bool(text))
