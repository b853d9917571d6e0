"""Holding statements signed by a vault's quorum through the approvals queue (issue 13, item 5), end to end.

`custos statement --sign-by VAULT` queues the statement's EIP-712 typed data as a Safe message (SafeMessage hash, no
nonce), the owners approve it with `custos safe approve HASH`, `custos statement --signed HASH` writes it with their
signatures, and `custos proof verify` checks them offline from the owners and threshold proven from the vault's
storage, and online with the vault's own EIP-1271 `isValidSignature` at the statement's block. On SQLite and on
PostgreSQL. L3: typed data for another chain, vault, application or version, or past its validUntil, is refused even
when genuinely signed by the owners. L4: a contract that is not a known Safe never vouches, whatever it answers.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.integration.test_proofs_demo import SCHEMA, run
from tests.support.queue_worker import copy_home, move_profile_to_postgres, shared_demo_home
from tests.support.solidity import compile_contracts, deploy
from wallet_app.chain.devnet import Devnet, serve_devnet
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.proofs.anchor import Anchors
from wallet_app.proofs.bundle import read_bundle
from wallet_app.proofs.verify import verify_bundle
from wallet_app.safe.messages import safe_message_hash, typed_data_digest

pytestmark = pytest.mark.integration
CLIENT_VAULT, TREASURY = "Harbour client vault", "Harbour treasury"
INVESTOR = "Victoria Harbour Endowment (investor)"
ALICE, BEN, CARMEN, DANA = "Alice", "Ben", "Carmen", "Dana"


def names_of(home: Path) -> dict[str, str]:
    keys = json.loads(run(home, "keys", "list", "--json")[1])
    holdings = json.loads(run(home, "holdings", "--json")[1])
    names = {k["label"].split()[0]: k["address"] for k in keys}
    names.update({a["label"]: a["address"] for a in holdings["accounts"]})
    return names


def signer(home: Path, address: str) -> KeystoreSigner:
    path = home / "profiles" / "demo" / "keystores" / f"{address}.json"
    return KeystoreSigner(address=address, private_key=decrypt_keystore(load_keystore_file(path), DEMO_PASSWORD))


def signed_round_trip(home: Path, tmp: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Ask, approve and export a signed statement through the CLI; the exported bundle and the names."""
    names = names_of(home)
    password = tmp / "pw"
    password.write_text(DEMO_PASSWORD + "\n")
    ask = ["statement", "--account", names[INVESTOR], "--sign-by", names[CLIENT_VAULT], "--password-file",
           str(password)]
    code, _, stderr = run(home, *ask, "--out", str(tmp / "alice.json"), "--key", names[ALICE])
    assert code == 1 and "none of the roles the policy lets ask" in stderr  # a treasury officer may not ask
    code, stdout, stderr = run(home, *ask, "--out", str(tmp / "signed.json"), "--key", names[DANA])
    assert code == 0, stderr
    message_hash = re.search(r"Safe message (0x[0-9a-f]{64})", stdout).group(1)  # type: ignore[union-attr]
    listed = json.loads(run(home, "safe", "messages", "--json")[1])
    assert [(m["message_hash"], m["state"], m["valid_signatures"], m["threshold"]) for m in listed] == [
        (message_hash, "proposed", 0, 2)]
    assert "Safe messages" in run(home, "safe", "queue")[1]  # shown beside the transactions

    code, _, stderr = run(home, "statement", "--signed", message_hash, "--out", str(tmp / "early.json"))
    assert code != 0 and "not signed yet" in stderr and not (tmp / "early.json").exists()
    for owner in (ALICE, BEN):
        code, stdout, stderr = run(home, "safe", "approve", message_hash, "--key", names[owner], "--password-file",
                                   str(password), "--json")
        assert code == 0, stderr
    assert json.loads(stdout)["state"] == "ready"
    code, stdout, stderr = run(home, "statement", "--signed", message_hash, "--out", str(tmp / "signed.json"))
    assert code == 0, stderr
    bundle = json.loads((tmp / "signed.json").read_text())
    jsonschema.validate(bundle, SCHEMA)
    code, stdout, _ = run(home, "proof", "verify", str(tmp / "signed.json"), "--json")
    verdict = json.loads(stdout)
    assert code == 0 and verdict["valid"], verdict
    signature_check = next(c for c in verdict["checks"] if c["name"] == "signature 1")
    assert signature_check["ok"] and "2 of the 3 owners" in signature_check["detail"]
    return bundle, names


@pytest.fixture(scope="module")
def sqlite_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_home(shared_demo_home(tmp_path_factory.getbasetemp()), tmp_path_factory.mktemp("ss") / "home")


@pytest.fixture(scope="module")
def signed(sqlite_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, str]]:
    return signed_round_trip(sqlite_home, tmp_path_factory.mktemp("signed"))


def test_signed_statement_round_trip_on_sqlite(signed: tuple[dict[str, Any], dict[str, str]]) -> None:
    bundle, names = signed
    entry = bundle["signatures"][0]
    assert entry["kind"] == "safe-message" and entry["vault"] == names[CLIENT_VAULT]
    assert [s["owner"] for s in entry["signatures"]] == sorted([names[ALICE], names[BEN]], key=lambda a: int(a, 16))
    assert entry["digest"] == "0x" + typed_data_digest(entry["typed_data"]).hex()  # what any EIP-712 tool computes


def test_signed_statement_round_trip_on_postgresql(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory,
                                                   tmp_path: Path) -> None:
    database = postgres_server.create_database("signed_statement")
    try:
        home = copy_home(shared_demo_home(tmp_path_factory.getbasetemp()), tmp_path / "home")
        move_profile_to_postgres(home, postgres_server.url(database))
        bundle, _ = signed_round_trip(home, tmp_path)
        assert len(bundle["signatures"][0]["signatures"]) == 2
    finally:
        postgres_server.drop_database(database)


@pytest.fixture(scope="module")
def node_url(sqlite_home: Path, signed: Any) -> Iterator[str]:
    with Devnet.open(sqlite_home / "profiles" / "demo" / "devnet") as devnet:
        server = serve_devnet(devnet, 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.url
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_L4_the_vault_itself_confirms_the_signatures_at_the_statement_block(
        sqlite_home: Path, signed: tuple[dict[str, Any], dict[str, str]], node_url: str, tmp_path: Path) -> None:
    bundle, _ = signed
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(bundle))
    code, stdout, _ = run(sqlite_home, "proof", "verify", str(path), "--rpc-url", node_url, "--json")
    verdict = json.loads(stdout)
    online = [c for c in verdict["checks"] if "EIP-1271" in c["name"]]
    assert code == 0 and verdict["valid"] and online and online[0]["ok"], verdict
    assert "0x1626ba7e" in online[0]["detail"]

    one_short = copy.deepcopy(bundle)  # one owner's signature only: the vault itself reverts, offline too few
    del one_short["signatures"][0]["signatures"][1]
    path.write_text(json.dumps(one_short))
    code, stdout, _ = run(sqlite_home, "proof", "verify", str(path), "--rpc-url", node_url, "--json")
    verdict = json.loads(stdout)
    failed = {c["name"]: c["detail"] for c in verdict["checks"] if not c["ok"]}
    assert code == 1 and not verdict["valid"]
    assert any("reverted" in detail for name, detail in failed.items() if "EIP-1271" in name), failed
    assert "1 valid owner signature(s) of the vault's threshold 2" in failed["signature 1"]


def resigned(bundle: dict[str, Any], home: Path, names: dict[str, str], change: Any,
             by: tuple[str, ...] = (ALICE, BEN)) -> dict[str, Any]:
    """The bundle with its typed data changed by `change` and signed again, genuinely, by the owners `by`."""
    out = copy.deepcopy(bundle)
    entry = out["signatures"][0]
    change(entry["typed_data"])
    domain = entry["typed_data"]["domain"]
    digest = typed_data_digest(entry["typed_data"])
    message_hash = safe_message_hash(domain["verifyingContract"], int(domain["chainId"]), "1.4.1", digest)
    entry.update(digest="0x" + digest.hex(), safe_message_hash="0x" + message_hash.hex(), signatures=[
        {"owner": names[who], "signature": "0x" + signer(home, names[who]).sign_digest(message_hash).to_bytes().hex()}
        for who in sorted(by, key=lambda w: int(names[w], 16))])
    return out


def failed_signature(bundle: dict[str, Any], now: int | None = None) -> str:
    verdict = verify_bundle(read_bundle(bundle), Anchors(), now=now)
    assert not verdict.valid
    return next(c.detail for c in verdict.checks if c.name == "signature 1" and not c.ok)


def _set(path: tuple[str, str], value: str) -> Any:
    return lambda typed: typed[path[0]].__setitem__(path[1], value)


@pytest.mark.parametrize(("what", "change", "words"), [
    ("another chain", _set(("domain", "chainId"), "177"), "chainId is '177'"),
    ("another app", _set(("domain", "name"), "Custos Policy"), "application name is 'Custos Policy'"),
    ("another version", _set(("domain", "version"), "2"), "version is '2'"),
    ("another block", _set(("message", "blockNumber"), "1"), "blockNumber differs"),
])
def test_L3_typed_data_for_another_chain_app_version_or_block_is_refused_though_genuinely_signed(
        sqlite_home: Path, signed: tuple[dict[str, Any], dict[str, str]], what: str, change: Any, words: str) -> None:
    bundle, names = signed
    assert words in failed_signature(resigned(bundle, sqlite_home, names, change)), what


def test_L3_another_vault_and_an_expired_statement_are_refused(
        sqlite_home: Path, signed: tuple[dict[str, Any], dict[str, str]]) -> None:
    bundle, names = signed
    other = resigned(bundle, sqlite_home, names, _set(("domain", "verifyingContract"), names[TREASURY]))
    assert "verifyingContract (vault)" in failed_signature(other)
    valid_until = int(bundle["signatures"][0]["typed_data"]["message"]["validUntil"])
    assert "expired" in failed_signature(bundle, now=valid_until + 1)
    assert verify_bundle(read_bundle(bundle), Anchors(), now=valid_until).valid


def test_forged_insufficient_and_tampered_signatures_are_refused(
        sqlite_home: Path, signed: tuple[dict[str, Any], dict[str, str]]) -> None:
    bundle, names = signed
    same = lambda typed: None  # noqa: E731 - the same typed data, signed by others
    assert "not an owner" in failed_signature(resigned(bundle, sqlite_home, names, same, by=(ALICE, DANA)))
    assert "of the vault's threshold 2" in failed_signature(resigned(bundle, sqlite_home, names, same, by=(BEN,)))
    swapped = copy.deepcopy(bundle)
    swapped["statement"]["holdings"][0]["balance"] = "1"  # the statement's words and typed data no longer match
    verdict = verify_bundle(read_bundle(swapped), Anchors())
    assert not verdict.valid
    tampered = copy.deepcopy(bundle)
    tampered["signatures"][0]["digest"] = "0x" + "00" * 32
    assert "not its EIP-712 digest" in failed_signature(tampered)


def test_L4_a_contract_that_is_not_a_safe_never_vouches(anvil_url: str) -> None:
    from eth_account import Account

    from wallet_app.chain.connect import http_client
    from wallet_app.proofs.create import Target, create_bundle
    from wallet_app.proofs.statement_check import STATEMENT_KIND
    from wallet_app.proofs.statement_typed_data import statement_typed_data
    from wallet_app.proofs.vault_storage import FALLBACK_HANDLER_SLOT, owner_slot

    compiled = compile_contracts("SignatureValidatorFixtures.sol")
    chain = http_client(anvil_url, "anvil")
    chain_id = chain.fetch_chain_id()
    account = deploy(anvil_url, compiled["AlwaysValid"]).sender
    keys = [Account.create() for _ in range(2)]
    answers = {}
    for name in ("AlwaysValid", "AlwaysReverts", "NotMagic"):
        vault = deploy(anvil_url, compiled[name]).address
        block = chain.fetch_block_number()
        balance = chain.fetch_balance(account, block)
        now = datetime.now(UTC)
        statement = {"statement": {"kind": STATEMENT_KIND, "id": name, "issued_at": now.isoformat(),
                                   "account": account, "network": "anvil", "unproven": [],
                                   "holdings": [{"asset": "native", "standard": "native", "token_id": "",
                                                 "symbol": "ETH", "balance": str(balance), "frozen": "0"}]}}
        bundle = create_bundle(chain, chain_id, [Target(account)], block=block, op_stack=False, created_at=now,
                               extra=lambda claims, unproven, s=statement: s, also_prove=lambda n, v=vault: {
                                   v: {0, 3, 4, FALLBACK_HANDLER_SLOT, owner_slot(1)}}).bundle
        typed = statement_typed_data(bundle, vault, int(now.timestamp()) + 3600)
        digest = typed_data_digest(typed)
        message_hash = safe_message_hash(vault, chain_id, "1.4.1", digest)
        bundle["signatures"] = [{
            "kind": "safe-message", "vault": vault, "safe_version": "1.4.1", "typed_data": typed,
            "digest": "0x" + digest.hex(), "safe_message_hash": "0x" + message_hash.hex(), "threshold": "1",
            "signatures": [{"owner": k.address, "signature": "0x" + bytes(k.unsafe_sign_hash(message_hash)
                                                                          .signature).hex()} for k in keys]}]
        verdict = verify_bundle(read_bundle(bundle), Anchors(endpoints=(chain,)))
        assert not verdict.valid, name
        details = {c.name: c.detail for c in verdict.checks if c.name.startswith("signature 1")}
        assert "is not a Safe that can vouch" in details["signature 1"], details
        answers[name] = next(d for n, d in details.items() if "EIP-1271" in n)
    assert "answers 0x1626ba7e" in answers["AlwaysValid"]  # it says yes, and still does not count
    assert "reverted" in answers["AlwaysReverts"]
    assert "answered 0xffffffff" in answers["NotMagic"]


def test_J_an_edited_message_row_is_quarantined_and_a_renamed_signature_never_counts(
        signed: tuple[dict[str, Any], dict[str, str]], tmp_path_factory: pytest.TempPathFactory,
        tmp_path: Path) -> None:
    from sqlalchemy import text

    from wallet_app.profiles import open_profile

    _, names = signed
    home = copy_home(shared_demo_home(tmp_path_factory.getbasetemp()), tmp_path / "home")
    password = tmp_path / "pw"
    password.write_text(DEMO_PASSWORD + "\n")
    code, _, stderr = run(home, "statement", "--account", names[INVESTOR], "--sign-by", names[CLIENT_VAULT],
                          "--key", names[ALICE], "--password-file", str(password), "--out",
                               str(tmp_path / "s.json"))
    assert code == 1 and "none of the roles" in stderr  # Alice may not ask; Dana (operations) may
    code, _, stderr = run(home, "statement", "--account", names[INVESTOR], "--sign-by", names[CLIENT_VAULT],
                               "--key", names[DANA], "--password-file", str(password), "--out",
                               str(tmp_path / "s.json"))
    assert code == 0, stderr
    message_hash = json.loads(run(home, "safe", "messages", "--json")[1])[0]["message_hash"]
    assert run(home, "safe", "approve", message_hash, "--key", names[ALICE], "--password-file", str(password))[0] == 0

    profile = open_profile(home, "demo")
    try:
        with profile.engine.begin() as conn:  # Alice's signature put under Ben's name
            conn.execute(text("UPDATE queue_message_signatures SET owner = :b WHERE message_hash = :h"),
                         {"b": names[BEN], "h": message_hash})
        listed = json.loads(run(home, "safe", "messages", "--json")[1])[0]
        assert listed["valid_signatures"] == 0 and "tampered" in " ".join(listed["flagged"])
        with profile.engine.begin() as conn:  # the holdings edited in the stored typed data
            conn.execute(text("UPDATE queue_messages SET typed_data = replace(typed_data, '\"balance\":\"30\"', "
                              "'\"balance\":\"3000\"') WHERE message_hash = :h"), {"h": message_hash})
    finally:
        profile.close()
    listed = json.loads(run(home, "safe", "messages", "--json")[1])[0]
    assert "the row was edited" in listed["quarantined"]
    code, _, stderr = run(home, "safe", "approve", message_hash, "--key", names[CARMEN], "--password-file",
                          str(password))
    assert code == 1 and "quarantined" in stderr
    code, _, stderr = run(home, "statement", "--signed", message_hash, "--out", str(tmp_path / "x.json"))
    assert code != 0 and not (tmp_path / "x.json").exists()
