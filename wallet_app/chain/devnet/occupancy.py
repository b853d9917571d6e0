"""Taking a state directory for this process, or saying who has it (DevnetBusy)."""

from __future__ import annotations

from wallet_app.chain.devnet.endpoint import load_endpoint
from wallet_app.chain.devnet.layout import StateLayout
from wallet_app.chain.devnet.lock import StateLock, read_holder_pid
from wallet_app.errors import DevnetBusy


def occupy(layout: StateLayout) -> StateLock:
    """The held lock of `layout`'s directory (which must exist); DevnetBusy if another holder has it."""
    lock = StateLock(layout.lock_path)
    if not lock.acquire():
        raise busy_error(layout)
    return lock


def busy_error(layout: StateLayout) -> DevnetBusy:
    pid = read_holder_pid(layout.lock_path)
    endpoint = load_endpoint(layout)
    holder = f"process {pid}" if pid is not None else "another process"
    if endpoint is not None and pid is not None and endpoint.pid == pid:
        serving = f"it serves JSON-RPC at {endpoint.url}"
    else:
        serving = "it does not serve JSON-RPC"
    return DevnetBusy(f"The devnet in {layout.root} is in use by {holder}; {serving}.")
