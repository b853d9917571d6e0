"""TokenService and the registry: add by address, discover from events, approve with a signature, remove.

A real SQLite profile database (migrated), a fake chain (tests/unit/token_fakes.py) and real keystore signers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct
from sqlalchemy import Engine, insert

from tests.unit.token_fakes import FakeTokenChain, const, erc20, erc721, text, transfer_log, transfer_single_log
from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError, KeyNotFound, SignerMismatch, WatchOnly, WrongPassword
from wallet_app.holdings.model import Account, Standard
from wallet_app.holdings.registry import TokenEntry, TokenRegistry
from wallet_app.holdings.token_approval import build_approval_message, compute_eip191_digest
from wallet_app.holdings.token_detect import TokenRefused
from wallet_app.holdings.token_discovery import TokenScanner
from wallet_app.holdings.token_service import TokenService
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.signature import Signature
from wallet_app.keys.signer import KeyKind, Signer
from wallet_app.keys.views import KeyView
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import tokens

CHAIN_ID = 1770177
VAULT = to_checksum("0x" + "1a" * 20)
STRANGER = to_checksum("0x" + "5e" * 20)
HKDH = to_checksum("0x" + "11" * 20)
SPAM = to_checksum("0x" + "66" * 20)
DEED = to_checksum("0x" + "77" * 20)
POISON = to_checksum("0x" + "88" * 20)
NOT_TOKEN = to_checksum("0x" + "99" * 20)
ALICE_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ALICE = str(EthAccount.from_key(ALICE_KEY).address)
WATCHER = to_checksum("0x" + "3c" * 20)
PASSWORD = "custos-demo"


@dataclass
class FakeKeys:
    """KeyService's unlock, signer and lock over real in-memory keystore signers; one password for all."""

    keys: dict[str, bytes]
    unlocked: dict[str, Signer] = field(default_factory=dict)
    wrong_signer: bytes | None = None  # sign with this key instead (a slot mix-up)
    events: list[str] = field(default_factory=list)

    def load_keys(self) -> list[KeyView]:
        views = [KeyView(a, KeyKind.KEYSTORE, "Alice Chan (officer)", a in self.unlocked, False, ("Vault",))
                 for a in self.keys]
        return [*views, KeyView(WATCHER, KeyKind.WATCH, "Watched", False, False, ())]

    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None:
        self.events.append(f"unlock {address}")
        if secret != PASSWORD:
            raise WrongPassword("The password is wrong, or the keystore file was altered.")
        self.unlocked[address] = KeystoreSigner(address=address, private_key=self.keys[address])

    def signer(self, address: str) -> Signer:
        if self.wrong_signer is not None:
            return MixedUpSigner(address, self.wrong_signer)
        return self.unlocked[address]

    def lock(self, address: str) -> None:
        self.events.append(f"lock {address}")
        self.unlocked.pop(address, None)


@dataclass
class MixedUpSigner:
    address: str
    key: bytes
    kind: KeyKind = KeyKind.KEYSTORE

    def sign_digest(self, digest: bytes) -> Signature:
        signed = EthAccount.unsafe_sign_hash(digest, self.key)
        return Signature(signed.r, signed.s, signed.v)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(sqlite_url(tmp_path / "custos.db"))
    with engine.begin() as conn:
        conn.execute(insert(tokens).values(chain_id=CHAIN_ID, address=HKDH, standard="erc20", symbol="HKDH",
                                           name="Harbour HKD", decimals=6, role="stablecoin"))
    yield engine
    engine.dispose()


def make_chain() -> FakeTokenChain:
    return FakeTokenChain(
        contracts={
            HKDH: erc20("HKDH", "Harbour HKD", 6),
            SPAM: erc20("HKD\u041d", "HKDH reward voucher - claim now", 6),
            DEED: erc721("LAND"),
            POISON: erc20("USDC", "USD Coin", 6),
            NOT_TOKEN: {selector("decimals()"): const((8).to_bytes(32, "big"))},
        },
        logs=[
            transfer_log(HKDH, STRANGER, VAULT, 5_000_000, 10),
            transfer_log(HKDH, VAULT, STRANGER, 1_000_000, 20),
            transfer_log(SPAM, "0x" + "00" * 20, VAULT, 8_888, 4_000),
            transfer_log(POISON, STRANGER, VAULT, 0, 4_100),
            transfer_log(POISON, STRANGER, VAULT, 0, 4_200),
            transfer_log(NOT_TOKEN, STRANGER, VAULT, 1, 4_300),
            transfer_single_log(DEED, STRANGER, VAULT, 7, 1, 4_400),  # an ERC-721 emitting 1155 events: ignored
            transfer_log(STRANGER, STRANGER, "0x" + "ee" * 20, 5, 4_500),  # to someone else: not ours
        ],
    )


def make_service(engine: Engine, chain: FakeTokenChain, keys: FakeKeys | None = None, **ranges: int
                 ) -> TokenService:
    return TokenService(
        chain=chain,  # type: ignore[arg-type]  # the fake has what the service uses
        chain_id=CHAIN_ID,
        registry=TokenRegistry(engine=engine, chain_id=CHAIN_ID),
        keys=keys or FakeKeys({ALICE: ALICE_KEY}),
        load_accounts=lambda: [Account(VAULT, "Vault", "vault")],
        scanner=TokenScanner(chain=chain, **ranges),  # type: ignore[arg-type]
    )


# -- the registry ---------------------------------------------------------------------------------------------
def test_registry_rows_are_reviewed_and_keep_the_old_constructor(engine: Engine) -> None:
    (hkdh,) = TokenRegistry(engine=engine, chain_id=CHAIN_ID).load_tokens()
    assert (hkdh.verified, hkdh.source, hkdh.spam_reason, hkdh.role) == (True, "registry", "", "stablecoin")
    old_style = TokenEntry(HKDH, Standard.ERC20, "HKDH", "Harbour HKD", 6, "stablecoin", verified=False)
    assert (old_style.source, old_style.spam_reason, old_style.verified) == ("registry", "", False)


def test_a_known_address_is_refused_in_any_letter_case_and_before_any_call(engine: Engine) -> None:
    chain = make_chain()
    service = make_service(engine, chain)
    for spelling in (HKDH, HKDH.lower()):
        with pytest.raises(ConfigError, match=r"already in the token registry \(reviewed, registry\); a token"):
            service.add_token(spelling)
    assert chain.multicalls == []
    (hkdh,) = service.load_tokens()
    assert hkdh.verified and hkdh.name == "Harbour HKD"  # untouched


# -- adding by address ---------------------------------------------------------------------------------------
def test_E3_adding_a_lookalike_records_it_unreviewed_and_flagged_never_merged(engine: Engine) -> None:
    service = make_service(engine, make_chain())
    added = service.add_token(SPAM.lower())
    assert (added.address, added.standard, added.symbol, added.decimals) == (SPAM, Standard.ERC20, "HKD\u041d", 6)
    assert (added.verified, added.source, added.role, added.reviewed_by) == (False, "added", "", None)
    assert added.added_at is not None and added.added_at.tzinfo is not None
    assert f"its symbol reads like HKDH, the reviewed token at {HKDH}" in added.spam_reason
    assert "mixes scripts" in added.spam_reason and "bait words (claim, reward, voucher)" in added.spam_reason
    assert "unsolicited" not in added.spam_reason  # adding by hand reads no events
    assert [t.address for t in service.load_tokens()] == sorted([HKDH, SPAM])  # two tokens, never one
    with pytest.raises(ConfigError, match=r"already in the token registry \(unreviewed, added\)"):
        service.add_token(SPAM)


def test_adding_refuses_what_is_not_a_token(engine: Engine) -> None:
    service = make_service(engine, make_chain())
    with pytest.raises(TokenRefused, match="no contract at this address"):
        service.add_token(STRANGER)
    with pytest.raises(TokenRefused, match="not a token standard Custos reads"):
        service.add_token(NOT_TOKEN)
    assert [t.address for t in service.load_tokens()] == [HKDH]


# -- discovery -----------------------------------------------------------------------------------------------
def test_discovery_adds_unknown_tokens_sent_to_the_accounts_flagged(engine: Engine) -> None:
    chain = make_chain()
    result = make_service(engine, chain).discover_tokens()
    assert (result.head, result.accounts, result.contracts) == (5_000, 1, 5)  # HKDH, SPAM, POISON, NOT_TOKEN, DEED
    added = {t.address: t for t in result.added}
    assert set(added) == {SPAM, POISON}
    assert all(t.source == "discovered" and not t.verified for t in added.values())
    assert "unsolicited" in added[SPAM].spam_reason and "reads like HKDH" in added[SPAM].spam_reason
    assert "only zero-value transfers reached the profile's accounts (address poisoning)" in added[POISON].spam_reason
    skipped = dict(result.skipped)
    assert "not a token standard" in skipped[NOT_TOKEN]
    # its only "transfer" to us was an ERC-1155 event; as the ERC-721 it is, none of its transfers reached us
    assert "none of its erc721 transfer events reached the profile's accounts" in skipped[DEED]
    assert None in {q[0] for q in chain.log_queries}  # asked across all contracts
    again = make_service(engine, chain).discover_tokens()
    assert again.added == () and set(dict(again.skipped)) == {NOT_TOKEN, DEED}  # known ones are not asked again


def test_discovery_halves_ranges_a_node_refuses(engine: Engine) -> None:
    chain = make_chain()
    chain.max_logs_range = 600
    result = make_service(engine, chain, initial_range=2_000).discover_tokens(from_block=3_000)
    assert {t.address for t in result.added} == {SPAM, POISON}
    incoming = {(q[2], q[3]) for q in chain.log_queries if q[0] is None}
    answered = sorted((first, last) for first, last in incoming if last - first + 1 <= 600)
    assert len(answered) < len(incoming)  # some ranges were refused, then halved
    assert answered[0][0] == 3_000 and answered[-1][1] == 5_000
    assert all(nxt[0] == prev[1] + 1 for prev, nxt in itertools.pairwise(answered))  # no gaps


# -- approving -----------------------------------------------------------------------------------------------
def test_approval_is_an_eip191_signature_that_recovers_to_the_key(engine: Engine) -> None:
    keys = FakeKeys({ALICE: ALICE_KEY})
    service = make_service(engine, make_chain(), keys)
    added = service.add_token(SPAM)
    approval = service.approve_token(SPAM, ALICE.lower(), PASSWORD)
    assert approval.token.verified and approval.token.reviewed_by == ALICE and approval.token.reviewed_at is not None
    assert approval.token.spam_reason == added.spam_reason  # approving clears nothing
    # cross-checked with eth_account's own EIP-191 encoding
    recovered = EthAccount.recover_message(encode_defunct(text=approval.message), signature=approval.signature)
    assert recovered == ALICE
    assert approval.message.splitlines() == [
        "Custos: approve a token for this profile's registry", f"Chain id: {CHAIN_ID}", f"Token: {SPAM}",
        "Standard: erc20", "Symbol: HKD\u041d", "Decimals: 6"]
    assert keys.events == [f"unlock {ALICE}", f"lock {ALICE}"]  # locked again: it was locked before
    with pytest.raises(ConfigError, match="already reviewed"):
        service.approve_token(SPAM, ALICE, PASSWORD)
    with pytest.raises(ConfigError, match="reviewed token; only unreviewed tokens are removed"):
        service.remove_token(SPAM)


def test_C8_an_approval_signature_from_another_key_is_refused(engine: Engine) -> None:
    keys = FakeKeys({ALICE: ALICE_KEY}, wrong_signer=b"\x01" * 32)
    service = make_service(engine, make_chain(), keys)
    service.add_token(SPAM)
    with pytest.raises(SignerMismatch, match="does not recover"):
        service.approve_token(SPAM, ALICE, PASSWORD)
    assert not TokenRegistry(engine=engine, chain_id=CHAIN_ID).load_token(SPAM).verified  # type: ignore[union-attr]


def test_approval_needs_the_password_and_a_signing_key_of_the_profile(engine: Engine) -> None:
    service = make_service(engine, make_chain())
    service.add_token(SPAM)
    with pytest.raises(WrongPassword):
        service.approve_token(SPAM, ALICE, "not the password")
    with pytest.raises(WatchOnly):
        service.approve_token(SPAM, WATCHER, PASSWORD)
    with pytest.raises(KeyNotFound, match="not one of this profile's keys"):
        service.approve_token(SPAM, STRANGER, PASSWORD)
    with pytest.raises(ConfigError, match="not in the token registry"):
        service.approve_token(POISON, ALICE, PASSWORD)
    with pytest.raises(ConfigError, match="already reviewed"):
        service.approve_token(HKDH, ALICE, PASSWORD)
    assert not service.load_tokens()[1].verified


def test_E6_a_token_that_changed_since_it_was_added_is_not_approved(engine: Engine) -> None:
    chain = make_chain()
    service = make_service(engine, chain)
    service.add_token(SPAM)
    chain.contracts[SPAM][selector("decimals()")] = const((18).to_bytes(32, "big"))
    chain.contracts[SPAM][selector("symbol()")] = text("HKDH\n")
    with pytest.raises(ConfigError, match=r"decimals are now 18, not 6; its symbol is now HKDH\\u000a"):
        service.approve_token(SPAM, ALICE, PASSWORD)


def test_approval_message_escapes_a_symbol_that_would_add_lines() -> None:
    token = TokenEntry(SPAM, Standard.ERC20, "HKDH\nDecimals: 18\u202e", "x", 6)
    message = build_approval_message(CHAIN_ID, token)
    assert len(message.splitlines()) == 6 and "Symbol: HKDH\\u000aDecimals: 18\\u202e" in message
    digest = compute_eip191_digest(message)
    signed = EthAccount.sign_message(encode_defunct(text=message), ALICE_KEY)
    assert bytes(signed.message_hash) == digest


# -- removing ------------------------------------------------------------------------------------------------
def test_only_unreviewed_tokens_are_removed(engine: Engine) -> None:
    service = make_service(engine, make_chain())
    service.add_token(DEED)
    removed = service.remove_token(DEED.lower())
    assert removed.address == DEED and [t.address for t in service.load_tokens()] == [HKDH]
    with pytest.raises(ConfigError, match="reviewed token"):
        service.remove_token(HKDH)
    with pytest.raises(ConfigError, match="not in the token registry"):
        service.remove_token(DEED)


def test_registry_refuses_a_reviewed_source_for_a_new_token(engine: Engine) -> None:
    registry = TokenRegistry(engine=engine, chain_id=CHAIN_ID)
    with pytest.raises(ValueError, match="source"):
        registry.save_new_token(TokenEntry(SPAM, Standard.ERC20, "X", "X", 0))
    saved = registry.save_new_token(TokenEntry(SPAM, Standard.ERC20, "X", "X", 0, verified=True, source="added"),
                                    at=datetime(2026, 1, 1, tzinfo=UTC))
    assert not saved.verified and saved.added_at == datetime(2026, 1, 1, tzinfo=UTC)
    registry.save_spam_reason(SPAM, "flagged by hand")
    assert registry.load_token(SPAM).spam_reason == "flagged by hand"  # type: ignore[union-attr]
