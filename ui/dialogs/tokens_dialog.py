"""The Tokens dialog (Holdings page, *Tokens…*): the profile's token registry with review state and spam flags;
add a token by address, discover the tokens sent to the profile's accounts, approve one, remove an unreviewed one.

Every action runs on the serial lane (each one writes the profile database; adding and discovering also read the
chain) while the dialog shows that it is busy. A token's symbol and name come from the token: the table shows them
as plain text with invisible and direction-changing characters made visible, and tooltips escape them. Approving
opens `ApproveTokenDialog`: one of the profile's signing keys and its password; the core signs and checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog, address_label, bold
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.models.holdings_rows import STANDARD_TEXT
from ui.models.tokens_model import TokenColumn, TokensTableModel, symbol_text
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.table_layout import build_read_only_table
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.holdings.registry import TokenEntry
    from wallet_app.holdings.token_service import DiscoveryResult, TokenApproval
    from wallet_app.keys.views import KeyView

INTRO = (
    "The tokens this profile tracks. Tokens added by address or discovered from transfers to the profile's accounts "
    "stay unreviewed (shown apart in Holdings, never priced) until an officer approves them with a signature of one "
    "of the profile's keys. Likely spam and lookalikes are flagged and never merged with the token they imitate."
)


class TokenServiceLike(Protocol):
    """The core's `TokenService` as this dialog uses it. Every method may block: run them on a lane."""

    def load_tokens(self) -> list[TokenEntry]: ...
    def load_signing_keys(self) -> list[KeyView]: ...
    def add_token(self, address: str) -> TokenEntry: ...
    def discover_tokens(self, from_block: int = 0) -> DiscoveryResult: ...
    def approve_token(self, address: str, key: str, password: str) -> TokenApproval: ...
    def remove_token(self, address: str) -> TokenEntry: ...


class ApproveTokenDialog(CommandDialog):
    """Choose one of the profile's signing keys and type its password; the core signs the approval."""

    def __init__(self, *, runner: TaskRunner, tokens: TokenServiceLike, token: TokenEntry, keys: Sequence[KeyView],
                 parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner,
            title="Approve a token",
            intro="The key you choose signs a message naming the chain id and the token's address, standard, "
            "symbol and decimals (EIP-191). The token is marked reviewed, by that key's address, only if the "
            "signature checks out. Any spam flag stays on record.",
            submit_text="Sign and approve",
            parent=parent,
        )
        self.setObjectName("approveTokenDialog")
        self._tokens = tokens
        self._address = token.address
        self.form.addRow(PlainLabel("Symbol:"), bold(PlainLabel(symbol_text(token), selectable=True)))
        name = PlainLabel(reveal_invisible(token.name, max_length=120), selectable=True)
        name.setWordWrap(True)
        self.form.addRow(PlainLabel("Name:"), name)
        self.form.addRow(PlainLabel("Contract:"), address_label(token.address))
        standard = STANDARD_TEXT.get(token.standard, token.standard.value)
        self.form.addRow(PlainLabel("Standard:"), PlainLabel(f"{standard}, {token.decimals} decimals"))
        self.flags = ErrorLine()
        self.flags.setObjectName("approveSpamFlags")
        if token.spam_reason:
            self.flags.show_error(f"Flagged as likely spam: {token.spam_reason}")
        self.form.addRow(self.flags)
        self.key_choice = QComboBox()
        self.key_choice.setObjectName("approveKey")
        for key in keys:
            self.key_choice.addItem(f"{reveal_invisible(key.label, max_length=60)}  {key.address}", key.address)
        self.form.addRow(PlainLabel("Signing key:"), self.key_choice)
        self.password = SecretField("The key's password (or PIN)")
        self.password.setObjectName("approvePassword")
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.add_secret(self.password)
        self.busy_label.setText("Unlocking the key and signing…")
        self.update_ready()

    def ready(self) -> bool:
        return self.key_choice.currentData() is not None and bool(self.password.text())

    def make_command(self) -> Callable[[], object]:
        tokens, address, key = self._tokens, self._address, str(self.key_choice.currentData())
        password = self.password.text()
        self.password.wipe()  # a retry needs it typed again; it lives only in the closure below
        return lambda: tokens.approve_token(address, key, password)

    def failed(self, exc: WalletError) -> None:
        self.password.setFocus()


class TokensDialog(QDialog):
    sig_tokens_shown = Signal(int)
    """The table was filled; carries the number of tokens."""
    sig_tokens_changed = Signal()
    """A token was added, approved or removed: what the holdings show may have changed."""
    sig_approve_opened = Signal(object)
    """The approval dialog was opened (window-modal); carries it."""

    def __init__(self, *, runner: TaskRunner, tokens: TokenServiceLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tokensDialog")
        self.setWindowTitle("Tokens")
        self.setMinimumSize(980, 520)
        self._runner = runner
        self._tokens = tokens
        self._busy = False
        self.approve_dialog: ApproveTokenDialog | None = None
        self.model = TokensTableModel(self)

        intro = PlainLabel(INTRO)
        intro.setWordWrap(True)
        self.address = QLineEdit()
        self.address.setObjectName("tokenAddress")
        self.address.setPlaceholderText("0x… the token contract's address")
        self.address.setFont(fixed_font())
        self.address.setMaxLength(64)
        self.address.textChanged.connect(self._update_buttons)
        self.address.returnPressed.connect(self.add_token)
        self.add_button = QPushButton("Add by address")
        self.add_button.setObjectName("addToken")
        self.add_button.setToolTip("Detect the token's standard and metadata, and add it unreviewed")
        self.add_button.clicked.connect(self.add_token)
        self.discover_button = QPushButton("Discover")
        self.discover_button.setObjectName("discoverTokens")
        self.discover_button.setToolTip("Find the tokens sent to the profile's accounts and add them unreviewed")
        self.discover_button.clicked.connect(self.discover)
        top = QHBoxLayout()
        top.addWidget(PlainLabel("Address:"))
        top.addWidget(self.address, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.discover_button)

        self.table = build_read_only_table(self.model, "tokensTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.details = PlainLabel(selectable=True)
        self.details.setObjectName("tokenDetails")
        self.details.setWordWrap(True)
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName("tokensStatus")
        self.status.setWordWrap(True)
        self.error = ErrorLine()
        self.error.setObjectName("tokensError")
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("tokensBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()

        self.approve_button = QPushButton("Approve…")
        self.approve_button.setObjectName("approveToken")
        self.approve_button.setToolTip("Approve the chosen unreviewed token with a signature of one of your keys")
        self.approve_button.clicked.connect(self.approve_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeToken")
        self.remove_button.setToolTip("Remove the chosen unreviewed token from the registry")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.approve_button)
        bottom.addWidget(self.remove_button)
        bottom.addWidget(self.busy_bar)
        bottom.addStretch(1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self._update_buttons()

    # -- reading ----------------------------------------------------------------------------------------------
    def show_tokens(self, tokens: list[TokenEntry]) -> None:
        chosen = self.selected_token()
        self.model.set_tokens(tokens)
        if chosen is not None:
            self.select_address(chosen.address)
        self._size_columns()
        self._show_details(self.selected_token())
        self._update_buttons()
        emit(self.sig_tokens_shown, len(tokens))

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        caps = {TokenColumn.NAME: 220, TokenColumn.REVIEW: 200}
        for col in list(TokenColumn)[:-1]:  # the flags take what is left; their full text shows below the table
            title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            texts = [str(self.model.data(self.model.index(r, col))) for r in range(min(self.model.rowCount(), 60))]
            widest = max([metrics.horizontalAdvance(title) + 16] + [metrics.horizontalAdvance(t) for t in texts])
            self.table.setColumnWidth(col, min(widest + 12, caps.get(col, 400)))

    # -- selection --------------------------------------------------------------------------------------------
    def selected_token(self) -> TokenEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.token_at(rows[0].row()) if rows else None

    def select_address(self, address: str) -> bool:
        row = self.model.row_of(address)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_details(self.selected_token())
        self._update_buttons()

    def _show_details(self, token: TokenEntry | None) -> None:
        if token is None:
            self.details.setText("")
            return
        text = f"{symbol_text(token)} — {reveal_invisible(token.name, max_length=120)} — {token.address}"
        if token.spam_reason:
            text += f"\nFlagged: {reveal_invisible(token.spam_reason, max_length=600)}"
        self.details.setText(text)

    def _update_buttons(self) -> None:
        token = self.selected_token()
        idle = not self._busy and self.approve_dialog is None
        self.add_button.setEnabled(idle and bool(self.address.text().strip()))
        self.discover_button.setEnabled(idle)
        unreviewed = token is not None and not token.verified
        self.approve_button.setEnabled(idle and unreviewed)
        self.remove_button.setEnabled(idle and unreviewed)

    # -- actions ----------------------------------------------------------------------------------------------
    def add_token(self) -> None:
        address = self.address.text().strip()
        if not address or self._busy:
            return
        tokens = self._tokens
        self._run(lambda: tokens.add_token(address), f"Reading {address} from the chain…", self._added)

    def _added(self, token: TokenEntry) -> None:
        self.address.clear()
        flagged = f" Flagged: {token.spam_reason}" if token.spam_reason else ""
        self._changed(f"Added {symbol_text(token)} ({STANDARD_TEXT.get(token.standard, '')}) at {token.address}, "
                      f"unreviewed.{flagged}", token.address)

    def discover(self) -> None:
        tokens = self._tokens
        self._run(tokens.discover_tokens, "Reading the transfers to the profile's accounts…", self._discovered)

    def _discovered(self, result: DiscoveryResult) -> None:
        flagged = sum(1 for t in result.added if t.spam_reason)
        text = (f"Read blocks {result.from_block:,} to {result.head:,} for {result.accounts} accounts: "
                f"{result.contracts} contracts sent them transfers; new tokens added, unreviewed: {len(result.added)}"
                f" (flagged as likely spam: {flagged}).")
        if result.skipped:
            text += f" Not added: {len(result.skipped)} (not tokens Custos reads, or nothing of theirs reached us)."
        self._changed(text, result.added[0].address if result.added else None)

    def approve_selected(self) -> None:
        token = self.selected_token()
        if token is None or token.verified or self._busy or self.approve_dialog is not None:
            return
        tokens = self._tokens
        self._set_busy(True)
        (self._runner.query(tokens.load_signing_keys).with_owner(self)
         .on_success(lambda keys: self._open_approve(token, keys)).on_failure(self._failed).quietly().run())

    def _open_approve(self, token: TokenEntry, keys: list[KeyView]) -> None:
        self._set_busy(False)
        if not keys:
            self.error.show_error("This profile has no key that can sign: add or import one on the Keys page.")
            return
        dialog = ApproveTokenDialog(runner=self._runner, tokens=self._tokens, token=token, keys=keys, parent=self)
        self.approve_dialog = dialog
        dialog.sig_succeeded.connect(self._approved)
        dialog.finished.connect(self._approve_closed)
        dialog.open()
        self._update_buttons()
        emit(self.sig_approve_opened, dialog)

    def _approve_closed(self, _result: int) -> None:
        self.approve_dialog = None
        self._update_buttons()

    def _approved(self, approval: object) -> None:
        token: TokenEntry = approval.token  # type: ignore[attr-defined]
        self._changed(f"Approved {symbol_text(token)} at {token.address}, signed by {token.reviewed_by}.",
                      token.address)

    def remove_selected(self) -> None:
        token = self.selected_token()
        if token is None or token.verified:
            return
        tokens, address = self._tokens, token.address
        self._run(lambda: tokens.remove_token(address), f"Removing {address}…",
                  lambda removed: self._changed(f"Removed the unreviewed token {removed.address}.", None))

    # -- running ----------------------------------------------------------------------------------------------
    def _run(self, fn: Callable[[], Any], busy_text: str, done: Callable[[Any], None]) -> None:
        if self._busy or self._runner.is_shut_down:
            return
        self.error.clear_error()
        self.status.setText(busy_text)
        self._set_busy(True)

        def succeeded(result: Any) -> None:
            self._set_busy(False)
            done(result)

        self._runner.command(fn).with_owner(self).on_success(succeeded).on_failure(self._failed).quietly().run()

    def _changed(self, text: str, select: str | None) -> None:
        self.status.setText(text)
        emit(self.sig_tokens_changed)
        self.reload(select)

    def reload(self, select: str | None = None) -> None:
        """Read the registry again (parallel lane), then choose the token at `select` if given."""
        if self._runner.is_shut_down:
            return

        def shown(tokens: list[TokenEntry]) -> None:
            self.show_tokens(tokens)
            if select is not None:
                self.select_address(select)

        (self._runner.query(self._tokens.load_tokens).with_key((id(self), "tokens")).with_owner(self)
         .on_success(shown).on_failure(self._failed).quietly().run())

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.status.setText("")
        self.error.show_error(one_line(exc))
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.address.setEnabled(not busy)
        self._update_buttons()

    @property
    def busy(self) -> bool:
        return self._busy

    def reject(self) -> None:
        if self._busy:  # a write is running; its result must reach this dialog
            return
        super().reject()


def open_tokens_dialog(parent: QWidget, runner: TaskRunner, tokens: TokenServiceLike,
                       on_changed: Callable[[], object]) -> TokensDialog:
    """Open the Tokens dialog (window-modal, without a nested event loop) and read the registry into it;
    `on_changed` runs after each change (the holdings page reads again: unreviewed tokens show there)."""
    dialog = TokensDialog(runner=runner, tokens=tokens, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.sig_tokens_changed.connect(on_changed)
    dialog.open()
    dialog.reload()
    return dialog
