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

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from safe_eth.eth import EthereumClient
from web3 import HTTPProvider, Web3

from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.holdings.model import Standard
from wallet_app.holdings.reader import NativeCoin
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.service import HoldingsService
from wallet_app.storage.labels import AddressLabel

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support, shared with the integration tests

from tests.support.anvil import deploy_many_tokens, start_anvil  # noqa: E402

TOKENS = int(os.environ.get("BENCH_TOKENS", "200"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CHAIN_ID = 31337
ERC20_ABI = [{"name": "balanceOf", "type": "function", "stateMutability": "view",
              "inputs": [{"name": "owner", "type": "address"}], "outputs": [{"name": "", "type": "uint256"}]}]


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
    node = start_anvil("--gas-limit", "1000000000", "--no-mining")
    url = node.url
    try:
        started = time.perf_counter()
        many = deploy_many_tokens(url, TOKENS, ACCOUNTS)
        tokens, holders, expected = many.tokens, many.holders, many.expected
        print(f"setup: {TOKENS} tokens x {ACCOUNTS} accounts = {TOKENS * ACCOUNTS} balances "
              f"({time.perf_counter() - started:.1f} s, not timed)")

        provider = CountingProvider(url)
        entries = [TokenEntry(t, Standard.ERC20, f"HKD{i}", f"Harbour HKD {i}", 6, "stablecoin")
                   for i, t in enumerate(tokens)]  # distinct symbols: identical ones would all be lookalikes
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
        node.stop()


if __name__ == "__main__":
    main()
