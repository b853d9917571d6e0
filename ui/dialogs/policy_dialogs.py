"""Signing a policy change: propose a policy file, approve a draft, reject a draft. Each asks for one of the profile's
signing keys and its password (asked every time, as for token approvals); the core unlocks the key, signs the EIP-712
policy vote, checks the signature and locks the key again. The work runs on the serial lane while the dialog shows
that it is busy; a refusal (a file that does not parse, with its line; a key that is not an owner; a wrong password)
is shown in the dialog, which stays open to correct it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QWidget

from ui.dialogs.command_dialog import CommandDialog, bold
from ui.models.policy_rows import DraftView, reveal_lines
from ui.plain_text import reveal_invisible
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.secret_field import SecretField
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView

POLICY_FILTERS = "Policy files (*.toml);;All files (*)"
MAX_POLICY_BYTES = 1_000_000


class PolicyVotes(Protocol):
    """The signing half of the core's `PolicyService` (wallet_app.policy.service). Every call blocks (scrypt, the
    database, the governance vault's owners read from the chain): run them on the serial lane."""

    def propose(self, text: str, proposer_key: str, password: str, *, now: Any = None) -> Any: ...
    def approve(self, digest: str, key: str, password: str, *, now: Any = None) -> Any: ...
    def reject(self, digest: str, key: str, password: str, *, reason: str = "", now: Any = None) -> Any: ...


AskPolicyFile = Callable[[QWidget], str | None]
"""Asks which policy file to propose: (parent) -> chosen path, or None if cancelled."""


def ask_policy_file(parent: QWidget) -> str | None:
    path, _chosen = QFileDialog.getOpenFileName(parent, "Propose a policy change", "", POLICY_FILTERS)
    return path or None


class PolicyFileUnreadable(WalletError, ValueError):
    """A policy file too large to be one, or not UTF-8 text."""

    code = "policy_file_unreadable"


def read_policy_file(path: Path) -> str:
    """The file's text, refused when it is too large or not UTF-8 (run on a worker lane)."""
    size = path.stat().st_size
    if size > MAX_POLICY_BYTES:
        raise PolicyFileUnreadable(f"{path.name} is {size:,} bytes; a policy file is at most {MAX_POLICY_BYTES:,}")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyFileUnreadable(f"{path.name} is not UTF-8 text") from None


class _SigningDialog(CommandDialog):
    """The key choice and the password, below whatever the subclass puts in the form first."""

    def _add_key_rows(self, keys: Sequence[KeyView]) -> None:
        self.key_choice = QComboBox()
        self.key_choice.setObjectName("policyKey")
        for key in keys:
            self.key_choice.addItem(f"{reveal_invisible(key.label, max_length=60)}  {key.address}", key.address)
        self.form.addRow(PlainLabel("Signing key:"), self.key_choice)
        self.password = SecretField("The key's password (or PIN)")
        self.password.setObjectName("policyPassword")
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.add_secret(self.password)
        self.busy_label.setText("Unlocking the key and signing…")

    def ready(self) -> bool:
        return self.key_choice.currentData() is not None and bool(self.password.text())

    def _take_secret(self) -> tuple[str, str]:
        key, password = str(self.key_choice.currentData()), self.password.text()
        self.password.wipe()  # a retry needs it typed again; it lives only in the command's closure
        return key, password

    def failed(self, exc: WalletError) -> None:
        self.password.setFocus()


class PolicyVoteDialog(_SigningDialog):
    """Approve or reject one draft."""

    def __init__(self, *, runner: TaskRunner, policy: PolicyVotes, draft: DraftView, keys: Sequence[KeyView],
                 reject: bool = False, parent: QWidget | None = None) -> None:
        verb = "Reject" if reject else "Approve"
        intro = (
            "Your key signs a rejection of this draft (EIP-712, naming the chain, the governance vault and the "
            "draft's digest). The draft is closed; any current owner of the governance vault or its proposer may "
            "reject it." if reject else
            "Your key signs an approval of exactly this text: its digest, version and the policy it replaces "
            "(EIP-712, naming the chain and the governance vault). It counts only if the key is a current owner "
            "of the governance vault. Compare the digest with the proposer's copy before signing."
        )
        super().__init__(runner=runner, title=f"{verb} a policy change", intro=intro,
                         submit_text=f"Sign and {verb.lower()}", parent=parent)
        self.setObjectName("rejectPolicyDialog" if reject else "approvePolicyDialog")
        self.setMinimumWidth(720)
        self._policy = policy
        self._digest = draft.digest
        self._reject = reject
        self.form.addRow(PlainLabel("Version:"), bold(PlainLabel(str(draft.version), selectable=True)))
        digest = HashView(per_line=8)
        digest.set_value(draft.digest)
        self.form.addRow(PlainLabel("Digest:"), digest)
        state = PlainLabel(f"{draft.texts[2]}; {draft.texts[3]} approvals; {draft.summary}", selectable=True)
        state.setWordWrap(True)
        self.form.addRow(PlainLabel("Where it stands:"), state)
        self.loosens = ErrorLine()
        self.loosens.setObjectName("voteLoosens")
        loosening = [c.text for c in draft.changes if c.direction == "loosens"]
        if loosening and not reject:
            more = f" (and {len(loosening) - 1} more)" if len(loosening) > 1 else ""
            self.loosens.show_error(f"It loosens the policy: {loosening[0]}{more}")
        self.form.addRow(self.loosens)
        self.reason = QLineEdit()
        self.reason.setObjectName("rejectReason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Why (recorded with the rejection)")
        if reject:
            self.form.addRow(PlainLabel("Reason:"), self.reason)
        self._add_key_rows(keys)
        self.update_ready()
        self.adjustSize()  # the wrapped lines above need their height from the start

    def make_command(self) -> Callable[[], object]:
        policy, digest, reason = self._policy, self._digest, self.reason.text()
        key, password = self._take_secret()
        if self._reject:
            return lambda: policy.reject(digest, key, password, reason=reason)
        return lambda: policy.approve(digest, key, password)


class ProposePolicyDialog(_SigningDialog):
    """Propose the text of a policy file, shown in full: what is signed is exactly this text."""

    def __init__(self, *, runner: TaskRunner, policy: PolicyVotes, path: str, text: str, keys: Sequence[KeyView],
                 parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner, title="Propose a policy change",
            intro="Your key signs this exact text as a proposal. It takes effect once the governance quorum has "
                  "approved it; a change that loosens the policy waits the cooling-off after that. A file that does "
                  "not read as a policy is refused with its line and nothing changes.",
            submit_text="Sign and propose", parent=parent)
        self.setObjectName("proposePolicyDialog")
        self.setMinimumSize(760, 620)
        self._policy = policy
        self._text = text
        where = PlainLabel(reveal_invisible(path, max_length=300), selectable=True)
        where.setWordWrap(True)
        self.form.addRow(PlainLabel("File:"), where)
        self.preview = read_only_text("proposedText", fixed=True, wrap=False)
        self.preview.setPlainText(reveal_lines(text))
        self.preview.setMinimumHeight(300)
        self.form.addRow(self.preview)
        self._add_key_rows(keys)
        self.update_ready()

    def make_command(self) -> Callable[[], object]:
        policy, text = self._policy, self._text
        key, password = self._take_secret()
        return lambda: policy.propose(text, key, password)
