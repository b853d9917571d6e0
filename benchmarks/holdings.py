"""Reading a holdings table: Custos's Multicall3 refresh against safe-eth-py's JSON-RPC batch and a web3.py loop.

Setup (not timed): a private anvil node, Multicall3 at its canonical address, TOKENS HKDStablecoin contracts and a
mint to each of ACCOUNTS holders, sent as plain transactions from anvil's unlocked account (JSON-RPC batches of
eth_sendTransaction, automined). Measured on the same node and state, median of ROUNDS rounds:
  - Custos: `HoldingsService.fetch_holdings` (block header, Multicall3 aggregate3 batches pinned to that block for
    every token's metadata, every balance and every native balance, then the hash check);
  - safe-eth-py: `EthereumClient.batch_call_custom`, its fastest path (JSON-RPC batches of eth_call, 500 a batch);
  - web3.py: a plain loop of `contract.functions.balanceOf(holder).call()`, one round only (it is slow).
Round trips are HTTP requests to the node, counted by wrapping each client's transport.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account as EthAccount
from safe_eth.eth import EthereumClient
from web3 import HTTPProvider, Web3

from wallet_app.chain.artifacts import load_artifact
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.demo.institution import MULTICALL3_SENDER
from wallet_app.domain.abi import build_call
from wallet_app.holdings.model import Standard
from wallet_app.holdings.reader import NativeCoin
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.service import HoldingsService
from wallet_app.storage.labels import AddressLabel

REPO = Path(__file__).resolve().parents[1]
ANVIL = REPO / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
MULTICALL3_TX = REPO / "resources" / "demo" / "multicall3_presigned_tx.hex"
TOKENS = int(os.environ.get("BENCH_TOKENS", "200"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CHAIN_ID = 31337
ERC20_ABI = [{"name": "balanceOf", "type": "function", "stateMutability": "view",
              "inputs": [{"name": "owner", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}]


def post(url: str, body: object) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:  # loopback only
        return json.loads(response.read())


def batch(url: str, calls: list[tuple[str, list[object]]], size: int = 500) -> list[Any]:
    results: list[Any] = []
    for start in range(0, len(calls), size):
        part = calls[start:start + size]
        chunk = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(part)]
        replies = sorted(post(url, chunk), key=lambda r: r["id"])
        for reply in replies:
            if "error" in reply:
                raise SystemExit(f"setup failed: {reply['error']}")
            results.append(reply["result"])
    return results


def wait_mined(url: str, hashes: list[str]) -> list[Any]:
    """Mine what the pool holds (anvil runs with --no-mining, so a batch's nonce order never matters)."""
    batch(url, [("evm_mine", [])])
    deadline = time.monotonic() + 60
    while True:
        receipts = batch(url, [("eth_getTransactionReceipt", [h]) for h in hashes])
        if all(r is not None for r in receipts):
            if any(r["status"] != "0x1" for r in receipts):
                raise SystemExit("a setup transaction failed")
            return receipts
        if time.monotonic() > deadline:
            status = batch(url, [("txpool_status", [])])[0]
            raise SystemExit(f"setup transactions were not mined: pool {status}")
        time.sleep(0.1)
        batch(url, [("evm_mine", [])])


def start_anvil() -> tuple[subprocess.Popen[bytes], str]:
    if not ANVIL.exists():
        raise SystemExit(f"anvil is not installed at {ANVIL}: run `npm ci`")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen([str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--silent",
                                "--gas-limit", "1000000000", "--no-mining"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            post(url, {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("anvil did not start") from None
            time.sleep(0.05)


def stop_anvil(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def setup(url: str) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    sender = batch(url, [("eth_accounts", [])])[0][0]
    wait_mined(url, batch(url, [("eth_sendTransaction", [{"from": sender, "to": MULTICALL3_SENDER,
                                                            "value": hex(10**17)}])]))
    wait_mined(url, batch(url, [("eth_sendRawTransaction", [MULTICALL3_TX.read_text().strip()])]))
    nonce = int(batch(url, [("eth_getTransactionCount", [sender, "latest"])])[0], 16)
    code = "0x" + load_artifact("HKDStablecoin").bytecode.hex()
    deploys: list[tuple[str, list[object]]] = [
        ("eth_sendTransaction", [{"from": sender, "data": code, "gas": hex(3_000_000), "nonce": hex(nonce + i)}])
        for i in range(TOKENS)
    ]
    nonce += TOKENS
    hashes = batch(url, deploys)
    receipts = wait_mined(url, hashes)  # all of them, for the addresses
    tokens = [Web3.to_checksum_address(r["contractAddress"]) for r in receipts]
    holders = [EthAccount.from_key((0x1000 + i).to_bytes(32, "big")).address for i in range(ACCOUNTS)]
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
        wait_mined(url, batch(url, mints[start:start + 500])[-1:])
    return tokens, holders, expected


class CountingProvider(HTTPProvider):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.requests = 0

    def make_request(self, method: Any, params: Any) -> Any:
        self.requests += 1
        return super().make_request(method, params)


def measure(name: str, rounds: int, run: Callable[[], dict[tuple[str, str], int]], count: Callable[[], int],
            expected: dict[tuple[str, str], int]) -> tuple[float, int]:
    times, trips = [], []
    for _ in range(rounds):
        before = count()
        start = time.perf_counter()
        got = run()
        times.append(time.perf_counter() - start)
        trips.append(count() - before)
        if got != expected:
            raise SystemExit(f"{name} read wrong balances")
    seconds = statistics.median(times)
    print(f"{name:<34} {seconds * 1000:9.1f} ms  {trips[-1]:6d} round trips")
    return seconds, trips[-1]


def main() -> None:
    process, url = start_anvil()
    try:
        started = time.perf_counter()
        tokens, holders, expected = setup(url)
        print(f"setup: {TOKENS} tokens x {ACCOUNTS} accounts = {TOKENS * ACCOUNTS} balances "
              f"({time.perf_counter() - started:.1f} s, not timed)")

        provider = CountingProvider(url)
        entries = [TokenEntry(t, Standard.ERC20, "HKDH", "Harbour HKD", 6, "stablecoin") for t in tokens]
        labels = {h: AddressLabel(h, f"holder {i}", "investor") for i, h in enumerate(holders)}
        service = HoldingsService(chain=Web3ChainClient(provider=provider, endpoint=url), chain_id=CHAIN_ID,
                                  load_vaults=list, load_keys=list, load_labels=lambda: labels,
                                  load_tokens=lambda: entries, native=NativeCoin("ETH", "Ether", 18))

        def custos() -> dict[tuple[str, str], int]:
            snapshot = service.fetch_holdings()
            return {(h.asset, h.account): h.balance for h in snapshot.holdings if h.standard is Standard.ERC20}

        safe_client = EthereumClient(url)  # type: ignore[arg-type]
        safe_posts = [0]
        session_post = safe_client.http_session.post

        def counted_post(*args: Any, **kwargs: Any) -> Any:
            safe_posts[0] += 1
            return session_post(*args, **kwargs)

        safe_client.http_session.post = counted_post  # type: ignore[method-assign]
        safe_client.batch_call_manager.http_session = safe_client.http_session
        pairs = [(t, h) for t in tokens for h in holders]
        payloads = [{"to": t, "data": "0x" + build_call("balanceOf(address)", h).hex(), "output_type": ["uint256"]}
                    for t, h in pairs]

        def safe_eth() -> dict[tuple[str, str], int]:
            values = safe_client.batch_call_manager.batch_call_custom(payloads, raise_exception=True)
            return {pair: int(v) for pair, v in zip(pairs, values, strict=True) if v}

        loop_provider = CountingProvider(url)
        w3 = Web3(loop_provider)
        contracts = {t: w3.eth.contract(address=t, abi=ERC20_ABI) for t in tokens}

        def web3_loop() -> dict[tuple[str, str], int]:
            out = {}
            for t, h in pairs:
                value = contracts[t].functions.balanceOf(h).call()
                if value:
                    out[(t, h)] = int(value)
            return out

        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats
            prof = cProfile.Profile()
            prof.runcall(custos)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        custos_s, custos_trips = measure("Custos HoldingsService", ROUNDS, custos, lambda: provider.requests, expected)
        safe_s, safe_trips = measure("safe-eth-py batch_call_custom", ROUNDS, safe_eth, lambda: safe_posts[0],
                                     expected)
        loop_s, loop_trips = measure("web3.py balanceOf loop", 1, web3_loop, lambda: loop_provider.requests, expected)
        print(f"Custos is {safe_s / custos_s:.1f}x faster than safe-eth-py ({safe_trips / custos_trips:.1f}x fewer "
              f"round trips) and {loop_s / custos_s:.1f}x faster than a web3.py loop "
              f"({loop_trips / custos_trips:.0f}x fewer round trips)")
        print("Custos also reads each token's symbol, name and decimals and every native balance, pinned to one "
              "block with a hash check; the peers read token balances only, at 'latest'.")
    finally:
        stop_anvil(process)


if __name__ == "__main__":
    main()
