"""What every step of following the chain shares (see `wallet_app.queue.follow`): who acts, the collaborators,
the item's stored transactions and receipts, and the audit entry of each change. `FollowSteps` declares the three
steps its parts call across one another (send, record a receipt, an executor nonce used elsewhere)."""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from wallet_app.audit import actions
from wallet_app.audit.entry import as_utc, entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient, Receipt
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import WalletError
from wallet_app.keys.signer import Signer
from wallet_app.queue.exec_settings import ExecutionSettings
from wallet_app.queue.records import BroadcastRow, QueueItem
from wallet_app.queue.states import (
    BROADCAST,
    SIGNED_FOR_EXECUTION,
)
from wallet_app.queue.store import QueueStore

Progress = Callable[[str], None]
SENT_STATES = (SIGNED_FOR_EXECUTION, BROADCAST)


class SendRefused(WalletError):
    """The node did not take the executor transaction; its signed bytes are kept and sent again later."""

    code = "queue_send_refused"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a key of the profile (its audit entries signed), or Custos itself following the chain."""

    address: str
    signer: Signer | None = None

    @property
    def sign(self) -> Callable[[str], bytes] | None:
        return None if self.signer is None else entry_signer(self.signer)

    @classmethod
    def of(cls, signer: Signer | None) -> Actor:
        return cls(actions.SYSTEM) if signer is None else cls(to_checksum(signer.address), signer)


@dataclass(frozen=True)
class ExecDeps:
    store: QueueStore
    chain: ChainClient
    audit: AuditLog
    clock: Callable[[], datetime]
    host: str
    settings: ExecutionSettings
    read_vault: Callable[[str], VaultInfo]
    # The policy's fee cap for a replacement, decided now (PolicyDenied/QueueError when it may not be replaced).
    replacement_cap: Callable[[QueueItem], int | None]


def claim_abandoned(item: QueueItem, now: datetime) -> bool:
    """A claim nobody can still act on: its lease expired, or it is this machine's and its process is gone (a
    crash; `host_name` is "<host>:<pid>"), so there is no need to wait for the lease."""
    if item.claim_expires_at is not None and as_utc(item.claim_expires_at) < now:
        return True
    host, _, pid_text = (item.claimed_by or "").rpartition(":")
    if host != socket.gethostname()[:60] or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's process) or cannot be asked
        return False
    return False


def label(item: QueueItem) -> str:
    return f"{item.safe_tx_hash[:12]}… (nonce {item.nonce})"


def hash_bytes(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def noop(_message: str) -> None:
    return None


def lease_end(now: datetime, settings: ExecutionSettings) -> datetime:
    return now + timedelta(seconds=settings.claim_lease_seconds)


class FollowSteps(ABC):
    def __init__(self, deps: ExecDeps) -> None:
        self.deps = deps

    @property
    def store(self) -> QueueStore:
        return self.deps.store

    def reload(self, item: QueueItem) -> QueueItem:
        current = self.store.load_item(item.safe_tx_hash)
        if current is None:
            raise SendRefused(f"{item.safe_tx_hash} is no longer in the queue")
        return current

    def current_row(self, item: QueueItem, rows: list[BroadcastRow]) -> BroadcastRow:
        """The transaction the item stands on: the one its exec_tx_hash names (the last replacement, or the one
        mined), else the newest."""
        named = [r for r in rows if item.exec_tx_hash and r.tx_hash.lower() == item.exec_tx_hash.lower()]
        return named[-1] if named else rows[-1]

    def find_receipt(self, rows: list[BroadcastRow]) -> tuple[BroadcastRow, Receipt] | None:
        for row in reversed(rows):
            receipt = self.deps.chain.fetch_receipt(hash_bytes(row.tx_hash))
            if receipt is not None:
                return row, receipt
        return None

    def audit_step(self, conn: Connection, actor: Actor, item: QueueItem, step: str, detail: dict[str, Any], *,
               action: str = actions.EXECUTE) -> None:
        self.deps.audit.append(conn, actor=actor.address, action=action, subject=item.safe_tx_hash,
                             detail={"step": step, "safe": item.safe, "nonce": str(item.nonce), **detail},
                             sign=actor.sign)

    # -- the steps that call one another across the parts of the follower -----------------------------------------
    @abstractmethod
    def send(self, item: QueueItem, row: BroadcastRow, actor: Actor, say: Progress, *,
             replace_ok: bool = True) -> list[str]:
        """Send the stored bytes of `row` (`follow_send`)."""

    @abstractmethod
    def record_receipt(self, item: QueueItem, row: BroadcastRow, receipt: Receipt, actor: Actor,
                       say: Progress) -> list[str]:
        """The item's transaction was mined (`follow_mined`)."""

    @abstractmethod
    def nonce_used(self, item: QueueItem, rows: list[BroadcastRow], actor: Actor) -> list[str]:
        """The executor's nonce was used by another transaction (`follow_send`, G3)."""
