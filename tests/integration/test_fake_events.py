"""E7 and B2: a contract that emits Transfer events without moving anything. Custos discovers it as an unreviewed,
flagged token, shows its events in the history marked as from an unverified source, and takes balances from
balanceOf only: the fake "outgoing" transfer changes no balance. On a real anvil node."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_hash.auto import keccak
from sqlalchemy import insert
from web3 import HTTPProvider

from tests.support.anvil import ManyTokens, batch, deploy_many_tokens, mine_and_wait
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.history import HistoryService
from wallet_app.holdings.history_index import HistoryIndexer
from wallet_app.holdings.history_store import HistoryStore
from wallet_app.holdings.model import Account
from wallet_app.holdings.reader import NativeCoin
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.holdings.service import HoldingsService
from wallet_app.holdings.token_discovery import TokenScanner
from wallet_app.holdings.token_service import TokenService
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.labels import AddressLabel
from wallet_app.storage.schema import tokens as tokens_table

CHAIN_ID = 31337
ATTACKER = to_checksum("0x" + "ba" * 20)
TRANSFER = keccak(b"Transfer(address,address,uint256)")


def assemble_emitter() -> bytes:
    """Runtime code. With 96 bytes of call data (from, to, amount as words) it emits Transfer(from, to, amount) and
    moves nothing. decimals(), totalSupply() and balanceOf(address) answer zero, like an empty token; anything
    else reverts (Custos refuses contracts that answer everything)."""
    answered = [bytes.fromhex(s) for s in ("313ce567", "18160ddd", "70a08231")]
    head_size = 7 + 6 + sum(1 + 5 + 1 + 2 + 1 for _ in answered) + 5  # dispatch, selector checks, revert
    ret = head_size
    emit = ret + 1 + 5
    code = bytes([0x36, 0x60, 0x60, 0x14, 0x60, emit, 0x57])  # CALLDATASIZE == 96 ? jump to emit
    code += bytes([0x60, 0x00, 0x35, 0x60, 0xE0, 0x1C])  # selector = calldata[0:4]
    for sel in answered:
        code += bytes([0x80, 0x63]) + sel + bytes([0x14, 0x60, ret, 0x57])  # DUP1; PUSH4 sel; EQ; JUMPI ret
    code += bytes([0x60, 0x00, 0x60, 0x00, 0xFD])  # revert
    assert len(code) == ret
    code += bytes([0x5B, 0x60, 0x20, 0x60, 0x00, 0xF3])  # ret: return one zero word
    assert len(code) == emit
    code += bytes([0x5B]) + bytes.fromhex("60206040600037" "602035" "600035")  # amount to memory; to, from
    code += b"\x7f" + TRANSFER + bytes.fromhex("60206000a3" "00")  # LOG3 with the Transfer topic; stop
    return code


RUNTIME = assemble_emitter()
INIT = bytes([0x60, len(RUNTIME), 0x60, 0x0C, 0x60, 0x00, 0x39, 0x60, len(RUNTIME), 0x60, 0x00, 0xF3]) + RUNTIME


class NoKeys:
    def load_keys(self) -> list[object]:
        return []


@dataclass
class Scene:
    many: ManyTokens
    emitter: str
    ours: str
    tokens: TokenService
    history: HistoryService
    holdings: HoldingsService


def word(address_or_amount: str | int) -> str:
    value = int(address_or_amount, 16) if isinstance(address_or_amount, str) else address_or_amount
    return value.to_bytes(32, "big").hex()


@pytest.fixture(scope="module")
def scene(anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    many = deploy_many_tokens(anvil_url, 1, 2)
    sender = batch(anvil_url, [("eth_accounts", [])])[0][0]
    (receipt,) = mine_and_wait(anvil_url, batch(anvil_url, [("eth_sendTransaction", [
        {"from": sender, "data": "0x" + INIT.hex(), "gas": hex(200_000)}])]))
    emitter = to_checksum(receipt["contractAddress"])
    ours = many.holders[0]
    fakes = [(ours, ATTACKER, 5_000_000), (ATTACKER, ours, 0)]  # a fake outgoing transfer; a poisoning one
    mine_and_wait(anvil_url, batch(anvil_url, [("eth_sendTransaction", [
        {"from": sender, "to": emitter, "data": "0x" + word(a) + word(b) + word(n), "gas": hex(100_000)}])
        for a, b, n in fakes]))

    engine = open_database(sqlite_url(tmp_path_factory.mktemp("e7") / "custos.db"))
    client = Web3ChainClient(provider=HTTPProvider(anvil_url), endpoint=anvil_url)
    registry = TokenRegistry(engine=engine, chain_id=CHAIN_ID)
    with engine.begin() as conn:  # the real token, as an administrator entered it
        conn.execute(insert(tokens_table).values(chain_id=CHAIN_ID, address=many.tokens[0], standard="erc20",
                                                 symbol="HKDH", name="Harbour HKD", decimals=6, role="stablecoin"))
    accounts = [Account(h, f"holder {i}", "investor") for i, h in enumerate(many.holders)]
    labels = {h: AddressLabel(h, f"holder {i}", "investor") for i, h in enumerate(many.holders)}
    tokens = TokenService(chain=client, chain_id=CHAIN_ID, registry=registry, keys=NoKeys(),  # type: ignore[arg-type]
                          load_accounts=lambda: accounts, scanner=TokenScanner(chain=client))
    store = HistoryStore(engine=engine, chain_id=CHAIN_ID)
    history = HistoryService(indexer=HistoryIndexer(chain=client, store=store), store=store,
                             load_accounts=lambda: accounts, load_labels=lambda: labels,
                             load_tokens=registry.load_tokens)
    holdings = HoldingsService(chain=client, chain_id=CHAIN_ID, load_vaults=list, load_keys=list,
                               load_labels=lambda: labels, load_tokens=registry.load_tokens,
                               native=NativeCoin("ETH", "Ether", 18))
    yield Scene(many, emitter, ours, tokens, history, holdings)
    engine.dispose()


def test_B2_the_fake_event_source_is_discovered_unreviewed_and_flagged(scene: Scene) -> None:
    found = scene.tokens.discover_tokens()
    emitter = next(t for t in found.added if t.address == scene.emitter)
    assert not emitter.verified and emitter.source == "discovered"
    assert "only zero-value transfers reached" in emitter.spam_reason  # the fake "sent" event hides "unsolicited"


def test_E7_fake_events_are_shown_from_an_unverified_source_and_move_no_balance(scene: Scene) -> None:
    if scene.emitter not in {t.address for t in scene.tokens.load_tokens()}:
        scene.tokens.discover_tokens()
    rows = [r for r in scene.history.fetch_history(scene.ours) if r.token == scene.emitter]
    assert {(r.direction, r.counterparty, r.amount) for r in rows} == {("out", ATTACKER, 5_000_000),
                                                                       ("in", ATTACKER, 0)}
    assert all(not r.verified_source for r in rows)

    snapshot = scene.holdings.fetch_holdings()
    from_emitter = [h for h in snapshot.holdings if h.asset == scene.emitter]
    assert all(h.balance == 0 for h in from_emitter)  # balanceOf says nothing was ever held
    assert all(not h.verified_token for h in from_emitter)
    real = {h.account: h.balance for h in snapshot.holdings if h.asset == scene.many.tokens[0]}
    assert real == {h: scene.many.expected[(scene.many.tokens[0], h)] for h in scene.many.holders}
