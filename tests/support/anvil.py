"""A real anvil node from the npm package on a free loopback port, and plain JSON-RPC helpers to set up state.

Used by the integration tests and the benchmarks (which put the repository root on `sys.path`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ANVIL = REPO / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
MULTICALL3_TX = REPO / "resources" / "demo" / "multicall3_presigned_tx.hex"


class AnvilError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: object, timeout: float = 120) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # loopback only
        return json.loads(response.read())


def rpc(url: str, method: str, params: list[object]) -> Any:
    return post(url, {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=5)["result"]


def batch(url: str, calls: list[tuple[str, list[object]]], size: int = 500) -> list[Any]:
    """JSON-RPC batches of `size` calls; the results in order, any error raised."""
    results: list[Any] = []
    for start in range(0, len(calls), size):
        part = calls[start:start + size]
        chunk = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(part)]
        for reply in sorted(post(url, chunk), key=lambda r: r["id"]):
            if "error" in reply:
                raise AnvilError(f"anvil refused a setup call: {reply['error']}")
            results.append(reply["result"])
    return results


@dataclass
class AnvilNode:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_anvil(*args: str) -> AnvilNode:
    """Start anvil with `args`; raises AnvilError when it is missing or does not answer."""
    if not ANVIL.exists():
        raise AnvilError(f"anvil is not installed at {ANVIL}: run `make test`, which runs `npm ci`")
    port = free_port()
    process = subprocess.Popen([str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--silent", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            rpc(url, "eth_chainId", [])
            return AnvilNode(process, url)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                error = process.stderr.read().decode()[-500:] if process.stderr else ""
                raise AnvilError(f"anvil did not start: {error}") from None
            time.sleep(0.05)


def mine_and_wait(url: str, hashes: list[str]) -> list[Any]:
    """Mine what the pool holds (for anvil started with --no-mining) until `hashes` have receipts; all must succeed."""
    batch(url, [("evm_mine", [])])
    deadline = time.monotonic() + 60
    while True:
        receipts = batch(url, [("eth_getTransactionReceipt", [h]) for h in hashes])
        if all(r is not None for r in receipts):
            if any(r["status"] != "0x1" for r in receipts):
                raise AnvilError("a setup transaction failed")
            return receipts
        if time.monotonic() > deadline:
            raise AnvilError(f"setup transactions were not mined: pool {batch(url, [('txpool_status', [])])[0]}")
        time.sleep(0.1)
        batch(url, [("evm_mine", [])])


@dataclass(frozen=True)
class ManyTokens:
    tokens: list[str]
    holders: list[str]
    expected: dict[tuple[str, str], int]  # (token, holder) -> balance


def deploy_multicall3(url: str) -> None:
    """Multicall3 at its canonical address, from its pre-signed deployment (the sender is funded first)."""
    from wallet_app.demo.institution import MULTICALL3_SENDER

    sender = batch(url, [("eth_accounts", [])])[0][0]
    mine_and_wait(url, batch(url, [("eth_sendTransaction", [{"from": sender, "to": MULTICALL3_SENDER,
                                                                "value": hex(10**17)}])]))
    mine_and_wait(url, batch(url, [("eth_sendRawTransaction", [MULTICALL3_TX.read_text().strip()])]))


def deploy_many_tokens(url: str, token_count: int, holder_count: int) -> ManyTokens:
    """`token_count` HKDStablecoin contracts with a distinct mint to each of `holder_count` holders, on an anvil node
    started with --no-mining (so that a JSON-RPC batch's nonce order never matters)."""
    from eth_account import Account as EthAccount
    from web3 import Web3

    from wallet_app.chain.artifacts import load_artifact
    from wallet_app.domain.abi import build_call

    deploy_multicall3(url)
    sender = batch(url, [("eth_accounts", [])])[0][0]
    nonce = int(batch(url, [("eth_getTransactionCount", [sender, "latest"])])[0], 16)
    code = "0x" + load_artifact("HKDStablecoin").bytecode.hex()
    deploys: list[tuple[str, list[object]]] = [
        ("eth_sendTransaction", [{"from": sender, "data": code, "gas": hex(3_000_000), "nonce": hex(nonce + i)}])
        for i in range(token_count)
    ]
    nonce += token_count
    receipts = mine_and_wait(url, batch(url, deploys))
    tokens = [Web3.to_checksum_address(r["contractAddress"]) for r in receipts]
    holders = [EthAccount.from_key((0x1000 + i).to_bytes(32, "big")).address for i in range(holder_count)]
    expected: dict[tuple[str, str], int] = {}
    mints: list[tuple[str, list[object]]] = []
    for t, token in enumerate(tokens):
        for h, holder in enumerate(holders):
            amount = (t + 1) * 1_000_000 + h
            expected[(token, holder)] = amount
            data = "0x" + build_call("mint(address,uint256)", holder, amount).hex()
            tx = {"from": sender, "to": token, "data": data, "gas": hex(200_000), "nonce": hex(nonce)}
            nonce += 1
            mints.append(("eth_sendTransaction", [tx]))
    for start in range(0, len(mints), 500):  # one batch at a time, each mined before the next is sent
        mine_and_wait(url, batch(url, mints[start:start + 500])[-1:])
    return ManyTokens(tokens, holders, expected)
