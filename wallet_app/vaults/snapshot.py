"""The last state of the profile's vaults read from the chain, kept in a small file beside the database.

It is a cache: the window paints it before the chain stack has even loaded, marked as such, and the next live
read replaces it. Reading it needs nothing but the standard library, which is why it is not in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wallet_app.domain.vaults import VaultInfo
from wallet_app.storage.atomic import write_atomic

SNAPSHOT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class VaultSnapshot:
    vaults: list[VaultInfo]
    block_number: int
    fetched_at: datetime


def save_snapshot(path: Path, chain_id: int, infos: list[VaultInfo], *, now: datetime | None = None) -> None:
    document = {
        "format": SNAPSHOT_FORMAT,
        "chain_id": chain_id,
        "fetched_at": (now or datetime.now(UTC)).isoformat(),
        "vaults": [info.to_json() for info in infos],
    }
    write_atomic(path, (json.dumps(document, sort_keys=True) + "\n").encode("utf-8"))


def load_snapshot(path: Path, chain_id: int) -> VaultSnapshot | None:
    """The saved snapshot for `chain_id`; None if there is none, or it is damaged or from another chain."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != SNAPSHOT_FORMAT or document.get("chain_id") != chain_id:
            return None
        infos = [VaultInfo.from_json(item) for item in document["vaults"]]
        fetched_at = datetime.fromisoformat(document["fetched_at"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a missing or damaged cache is ignored; the live read replaces it
    if not infos:
        return None
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    return VaultSnapshot(infos, min(info.block_number for info in infos), fetched_at)
