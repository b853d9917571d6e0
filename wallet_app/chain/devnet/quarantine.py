"""Moving a damaged devnet state aside, never deleting it, so that a new one can be created."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from wallet_app.chain.devnet.layout import StateLayout, fsync_directory
from wallet_app.chain.devnet.occupancy import occupy
from wallet_app.errors import DevnetError


def quarantine(state_dir: Path | str) -> Path:
    """Move the chain files into `quarantine-<UTC time>/` inside the state directory; return that folder.

    Takes the directory's lock first (DevnetBusy if a process has the devnet open).
    """
    layout = StateLayout(Path(state_dir))
    if not layout.root.is_dir():
        raise DevnetError(f"There is no devnet state directory at {layout.root}.")
    lock = occupy(layout)
    try:
        files = [path for path in layout.db_files() if path.exists()]
        if not files:
            raise DevnetError(f"There is no devnet state to move aside in {layout.root}.")
        target = _fresh_folder(layout.root, datetime.now(UTC).strftime("quarantine-%Y%m%dT%H%M%SZ"))
        for path in files:
            os.rename(path, target / path.name)
        fsync_directory(layout.root)
        return target
    finally:
        lock.release()


def _fresh_folder(root: Path, name: str) -> Path:
    for attempt in range(1, 1000):
        candidate = root / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise DevnetError(f"Cannot find a free quarantine folder name in {root}.")
