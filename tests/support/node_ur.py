"""The reference BC-UR libraries through Node: `run_node_ur(request)` sends one JSON request to
tests/support/node_ur.mjs (@ngraveio/bc-ur and Keystone's @keystonehq/bc-ur-registry(-eth), pinned in package.json;
`make node-deps` installs them) and returns its JSON reply. The script's header lists the operations.

A missing node or a missing npm module raises NodeUrError with what to run; the tests let it fail them, never skip.
Used by tests/integration/test_ur_node_crosscheck.py and benchmarks/ur.py, which also share the sample sign data
here: the EIP-712 typed data (eth_signTypedData_v4 JSON, as Safe{Wallet} hands it to a hardware wallet) of a real
SafeTx, either one ERC-20 transfer or a MultiSend batch of transfers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_hash.auto import keccak

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "support" / "node_ur.mjs"
MODULES = ("@ngraveio/bc-ur", "@keystonehq/bc-ur-registry", "@keystonehq/bc-ur-registry-eth")
TIMEOUT = 120.0


class NodeUrError(RuntimeError):
    """Node or the reference modules are missing, or the script failed (not a decoding error: those are replies)."""


def node_ur_missing() -> str | None:
    """Why the reference side cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed: run `make test` (it installs nodejs and npm when missing)"
    absent = [name for name in MODULES if not (REPO / "node_modules" / name / "package.json").is_file()]
    if absent:
        return f"the reference BC-UR modules are not installed ({', '.join(absent)}): run `make node-deps`"
    return None


def run_node_ur(request: dict[str, Any], timeout: float = TIMEOUT) -> dict[str, Any]:
    """The script's reply to `request`; a reply {"error": ...} is returned as is (the reference refused the input)."""
    missing = node_ur_missing()
    if missing:
        raise NodeUrError(missing)
    node = shutil.which("node")
    assert node is not None
    try:
        done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True,
                              timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired as error:
        raise NodeUrError(f"node_ur.mjs took more than {timeout:g} s for op {request.get('op')!r}") from error
    if done.returncode != 0:
        raise NodeUrError(f"node_ur.mjs failed (exit {done.returncode}) for op {request.get('op')!r}: "
                          f"{done.stderr.strip()[-2000:]}")
    try:
        reply = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise NodeUrError(f"node_ur.mjs wrote no JSON for op {request.get('op')!r}: {done.stdout[:500]!r}") from error
    if not isinstance(reply, dict):
        raise NodeUrError(f"node_ur.mjs replied {reply!r}")
    return reply


def run_node_ur_batch(requests: list[dict[str, Any]], timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """The replies to several requests, in order, from one Node process."""
    replies = run_node_ur({"op": "batch", "requests": requests}, timeout)["replies"]
    assert isinstance(replies, list) and len(replies) == len(requests)
    return replies


# --- sample sign data: the typed data of a Safe transaction ---------------------------------------------------------

SAMPLE_CHAIN_ID = 133
SAMPLE_SAFE = "0x5aFE3855358E112B5647B952709E6165e1c1eEEe"
SAMPLE_TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
MULTISEND_CALL_ONLY = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"  # Safe 1.4.1 MultiSendCallOnly
ZERO = "0x0000000000000000000000000000000000000000"
SAFE_TX_TYPES = {
    "EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
    "SafeTx": [
        {"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}, {"name": "data", "type": "bytes"},
        {"name": "operation", "type": "uint8"}, {"name": "safeTxGas", "type": "uint256"},
        {"name": "baseGas", "type": "uint256"}, {"name": "gasPrice", "type": "uint256"},
        {"name": "gasToken", "type": "address"}, {"name": "refundReceiver", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ],
}


def recipient_address(n: int) -> str:
    return "0x" + keccak(n.to_bytes(8, "big"))[-20:].hex()


def erc20_transfer(recipient: int, amount: int) -> bytes:
    """transfer(recipient_address(recipient), amount) call data."""
    arguments = encode(["address", "uint256"], [recipient_address(recipient), amount])
    return keccak(b"transfer(address,uint256)")[:4] + arguments


def safe_tx_typed_data(transfers: int = 1, nonce: int = 42) -> dict[str, Any]:
    """A SafeTx's typed data on chain SAMPLE_CHAIN_ID: one ERC-20 transfer called directly, or a MultiSend batch
    (delegate call to MultiSendCallOnly) of `transfers` of them; numbers as Safe{Wallet} writes them."""
    if transfers == 1:
        to, data, operation = SAMPLE_TOKEN, erc20_transfer(1, 2_500_000_000), 0
    else:
        packed = b"".join(
            bytes([0]) + bytes.fromhex(SAMPLE_TOKEN[2:]) + (0).to_bytes(32, "big") + len(call).to_bytes(32, "big")
            + call for call in (erc20_transfer(i, 1_000_000 * (i + 1)) for i in range(1, transfers + 1)))
        to, data, operation = MULTISEND_CALL_ONLY, keccak(b"multiSend(bytes)")[:4] + encode(["bytes"], [packed]), 1
    return {
        "types": SAFE_TX_TYPES,
        "domain": {"chainId": SAMPLE_CHAIN_ID, "verifyingContract": SAMPLE_SAFE},
        "primaryType": "SafeTx",
        "message": {
            "to": to, "value": "0", "data": "0x" + data.hex(), "operation": operation, "safeTxGas": "0",
            "baseGas": "0", "gasPrice": "0", "gasToken": ZERO, "refundReceiver": ZERO, "nonce": nonce,
        },
    }


def typed_data_bytes(typed: dict[str, Any]) -> bytes:
    """The sign data of an eth-sign-request of data type 2: the typed data's JSON text, UTF-8."""
    return json.dumps(typed, separators=(",", ":")).encode()
