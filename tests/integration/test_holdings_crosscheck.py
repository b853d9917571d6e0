"""F2: two providers answering differently for the same block hash give an "inconsistent data" snapshot that shows
the lower value; the second provider is a real anvil node seen through a loopback proxy that rewrites its answers."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from web3 import HTTPProvider

from tests.integration.conftest import ANVIL_CHAIN_ID, free_port
from tests.support.anvil import ManyTokens, deploy_many_tokens
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.holdings.model import HoldingsSnapshot, Standard
from wallet_app.holdings.reader import NativeCoin
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.service import HoldingsService
from wallet_app.holdings.views import build_snapshot_json, build_table_lines
from wallet_app.storage.labels import AddressLabel

Rewrite = Callable[[str, Any], Any]  # (method, result) -> result as the lying provider returns it


def word(value: int) -> str:
    return value.to_bytes(32, "big").hex()


class LyingProxy:
    """Forwards JSON-RPC to the real node and passes each result through `rewrite`."""

    def __init__(self, upstream: str) -> None:
        self.rewrite: Rewrite = lambda method, result: result
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = json.loads(body)
                forwarded = urllib.request.Request(upstream, body, {"Content-Type": "application/json"})
                with urllib.request.urlopen(forwarded, timeout=30) as response:  # loopback only
                    reply = json.loads(response.read())
                if "result" in reply:
                    reply["result"] = proxy.rewrite(request["method"], reply["result"])
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def chain(anvil_url: str) -> Iterator[tuple[str, ManyTokens, LyingProxy]]:
    many = deploy_many_tokens(anvil_url, 1, 3)
    proxy = LyingProxy(anvil_url)
    yield anvil_url, many, proxy
    proxy.server.shutdown()


def read(url: str, many: ManyTokens, witness_url: str) -> HoldingsSnapshot:
    tokens = [TokenEntry(many.tokens[0], Standard.ERC20, "HKDH", "Harbour HKD", 6, "stablecoin")]
    labels = {h: AddressLabel(h, f"holder {n}", "investor") for n, h in enumerate(many.holders)}
    service = HoldingsService(
        chain=Web3ChainClient(provider=HTTPProvider(url), endpoint=url), chain_id=ANVIL_CHAIN_ID,
        load_vaults=list, load_keys=list, load_labels=lambda: labels, load_tokens=lambda: tokens,
        native=NativeCoin("ETH", "Ether", 18),
        witnesses=[Web3ChainClient(provider=HTTPProvider(witness_url), endpoint=witness_url)],
    )
    return service.fetch_holdings()


def token_rows(snapshot: HoldingsSnapshot) -> dict[str, tuple[int, int | None, tuple[str, ...]]]:
    return {h.account: (h.balance, h.value_hkd, h.warnings) for h in snapshot.holdings if h.standard is Standard.ERC20}


def lie_about(true_balance: int, told: int) -> Rewrite:
    def rewrite(method: str, result: Any) -> Any:
        return result.replace(word(true_balance), word(told)) if method == "eth_call" else result
    return rewrite


def test_F2_agreeing_providers_give_a_consistent_snapshot(chain: tuple[str, ManyTokens, LyingProxy]) -> None:
    url, many, proxy = chain
    proxy.rewrite = lambda method, result: result
    snapshot = read(url, many, proxy.url)
    assert snapshot.inconsistencies == () and snapshot.cross_checked_with == (proxy.url,)
    assert {a: b for a, (b, _v, _w) in token_rows(snapshot).items()} == {h: many.expected[(many.tokens[0], h)]
                                                                          for h in many.holders}


@pytest.mark.parametrize("told", [1, 9_000_000_000])
def test_F2_a_provider_telling_another_balance_marks_the_data_inconsistent_and_keeps_the_lower(
        chain: tuple[str, ManyTokens, LyingProxy], told: int) -> None:
    url, many, proxy = chain
    victim = many.holders[1]
    true_balance = many.expected[(many.tokens[0], victim)]
    proxy.rewrite = lie_about(true_balance, told)

    snapshot = read(url, many, proxy.url)

    rows = token_rows(snapshot)
    balance, value, warnings = rows[victim]
    assert balance == min(true_balance, told)
    assert value == min(true_balance, told)  # a 1:1 HKD stablecoin with 6 decimals: value is the balance
    assert any("providers disagree" in w and str(told) in w and str(true_balance) in w for w in warnings)
    assert len(snapshot.inconsistencies) == 1 and victim in snapshot.inconsistencies[0]
    for other in (many.holders[0], many.holders[2]):
        assert rows[other][0] == many.expected[(many.tokens[0], other)] and not rows[other][2]
    assert build_snapshot_json(snapshot)["inconsistencies"] == list(snapshot.inconsistencies)
    assert "INCONSISTENT DATA" in "\n".join(build_table_lines(snapshot))


def test_F2_a_provider_with_another_block_hash_is_reported(chain: tuple[str, ManyTokens, LyingProxy]) -> None:
    url, many, proxy = chain

    def other_hash(method: str, result: Any) -> Any:
        if method == "eth_getBlockByNumber" and isinstance(result, dict):
            return {**result, "hash": "0x" + "ab" * 32}
        return result

    proxy.rewrite = other_hash
    snapshot = read(url, many, proxy.url)
    assert len(snapshot.inconsistencies) == 1
    assert "disagree about the chain itself" in snapshot.inconsistencies[0]


def test_F2_an_unreachable_second_provider_is_said_not_silently_skipped(
        chain: tuple[str, ManyTokens, LyingProxy]) -> None:
    url, many, _proxy = chain
    snapshot = read(url, many, f"http://127.0.0.1:{free_port()}")
    assert snapshot.inconsistencies == ()
    assert any("could not cross-check" in note for note in snapshot.unreadable)
