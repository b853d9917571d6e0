"""`endpoint.json`: how other processes find a devnet that another process serves as JSON-RPC.

The file is only a hint. It counts only while the state directory's lock is held by the pid it
names, so a file left behind by a crashed server is ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wallet_app.chain.devnet.layout import StateLayout
from wallet_app.chain.devnet.lock import probe_lock_held, read_holder_pid


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str
    pid: int


def save_endpoint(layout: StateLayout, endpoint: Endpoint) -> None:
    """Write the file atomically (temporary file, fsync, rename)."""
    payload = json.dumps({"url": endpoint.url, "pid": endpoint.pid}).encode()
    fd, tmp = tempfile.mkstemp(prefix=".endpoint-", suffix=".tmp", dir=layout.root)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, layout.endpoint_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_endpoint(layout: StateLayout) -> Endpoint | None:
    try:
        data = json.loads(layout.endpoint_path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, pid = data.get("url"), data.get("pid")
    if not isinstance(url, str) or not isinstance(pid, int) or isinstance(pid, bool):
        return None
    return Endpoint(url, pid)


def remove_endpoint(layout: StateLayout, pid: int) -> None:
    """Remove the file if it is ours (a newer server may have replaced it)."""
    current = load_endpoint(layout)
    if current is not None and current.pid == pid:
        layout.endpoint_path.unlink(missing_ok=True)


def find_served_endpoint(state_dir: Path | str) -> str | None:
    """The JSON-RPC URL of the live server holding this state directory, or None."""
    layout = StateLayout(Path(state_dir))
    endpoint = load_endpoint(layout)
    if endpoint is None:
        return None
    if not probe_lock_held(layout.lock_path):
        return None
    if read_holder_pid(layout.lock_path) != endpoint.pid:
        return None
    return endpoint.url
