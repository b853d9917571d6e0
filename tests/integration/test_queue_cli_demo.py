"""The approval queue from the command line on a demo profile: Dana Ho (operations) proposes a payout from the 2-of-3
"Harbour client vault", Alice and Ben approve it, it is executed and the investor is paid; a rejection at the same
nonce; a co-signer's signature made elsewhere; and every kind of bad input refused with one line, nothing changed.

The commands run in this process through `wallet_app.cli.main` (the real parser, handlers, services, devnet and
keystores; only the interpreter start-up of a subprocess is saved), so that the whole module stays fast.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_account import Account

from wallet_app.cli import main
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.profiles import open_profile

ALICE, BEN, CARMEN, DANA = "Alice Chan (officer)", "Ben Wong (officer)", "Carmen Lee (offline signer)", \
    "Dana Ho (operations)"
KOWLOON, LION_ROCK = "Kowloon Pension Trust (investor)", "Lion Rock Family Office (investor)"
SANCTIONED = "Sanctioned Shell Co."
CLIENT_VAULT, TREASURY = "Harbour client vault", "Harbour treasury"
HKDH, DEED = "Harbour HKD", "Harbour Property Deeds"
HKD = 10**6
LIVE = ("proposed", "approving", "ready")
ISSUE_ITEM_FIELDS = {"safe_tx_hash", "safe", "nonce", "state", "valid_signatures", "threshold"}


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


_KEYS: dict[str, bytes] = {}


def custos(home: Path, *args: str, profile: str = "demo") -> Ran:
    """`custos --home HOME --profile PROFILE ARGS...` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--home", str(home), "--profile", profile, *args])
        except SystemExit as exit_:  # argparse's own exits
            code = int(exit_.code or 0)
    return Ran(code, out.getvalue(), err.getvalue())


def ok(ran: Ran) -> Ran:
    assert ran.code == 0, ran.err or ran.out
    return ran


def assert_one_line_error(ran: Ran, *phrases: str) -> None:
    assert ran.code == 1, (ran.out, ran.err)
    assert ran.out == "", ran.out
    assert ran.err.startswith("custos: error:") and ran.err.count("\n") == 1, ran.err
    assert "Traceback" not in ran.err
    for phrase in phrases:
        assert phrase in ran.err, ran.err


@dataclass
class Desk:
    """A private copy of the demo profile and what a test needs to type commands on it."""

    home: Path
    names: dict[str, str]  # label -> address: the profile's address book, vaults and tokens
    password_file: Path

    def run(self, *args: str) -> Ran:
        return custos(self.home, *args)

    def signing(self, label: str) -> list[str]:
        return ["--key", self.names[label], "--password-file", str(self.password_file)]

    def propose(self, *, amount: str = "12345.67", to: str = KOWLOON, asset: str = HKDH, proposer: str = DANA,
                extra: tuple[str, ...] = ()) -> Ran:
        asset_arg = "native" if asset == "native" else self.names[asset]
        return self.run("safe", "propose", "--safe", self.names[CLIENT_VAULT], "--asset", asset_arg,
                        "--amount", amount, "--to", self.names.get(to, to), *extra, *self.signing(proposer),
                        "--json")

    def vault_nonce(self, label: str = CLIENT_VAULT) -> int:
        (value,) = decode(["uint256"], self.call(self.names[label], build_call("nonce()")))
        return int(value)

    def queue(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = ok(self.run("safe", "queue", "--json")).json()
        return items

    def item(self, safe_tx_hash: str) -> dict[str, Any]:
        return next(i for i in self.queue() if i["safe_tx_hash"] == safe_tx_hash)

    def private_key(self, label: str) -> bytes:
        """The key from the profile's keystore (every copy of the module's demo holds the same keys)."""
        path = self.home / "profiles" / "demo" / "keystores" / f"{self.names[label]}.json"
        if path.name not in _KEYS:
            _KEYS[path.name] = decrypt_keystore(load_keystore_file(path), DEMO_PASSWORD)  # scrypt: once per key
        return _KEYS[path.name]

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the queue, the signing journal and the recorded decisions, and the audit log's entries but
        those of unlocking and locking keys (a command unlocks its key, or records the failed attempt, before it
        finds out that what it was asked cannot be done)."""
        with contextlib.closing(sqlite3.connect(self.home / "profiles" / "demo" / "custos.db")) as conn:
            rows = {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                    for table in ("queue_items", "queue_signatures", "queue_broadcasts", "signing_journal",
                                  "policy_decisions")}
            rows["audit_log"] = conn.execute("SELECT * FROM audit_log WHERE action NOT IN ('unlock', "
                                             "'unlock_failed', 'lock') ORDER BY seq").fetchall()
        return rows

    def audit_actions(self) -> list[str]:
        with contextlib.closing(sqlite3.connect(self.home / "profiles" / "demo" / "custos.db")) as conn:
            return [str(a) for (a,) in conn.execute("SELECT action FROM audit_log ORDER BY seq")]

    def balance(self, token: str, holder: str) -> int:
        (value,) = decode(["uint256"], self.call(self.names[token], build_call("balanceOf(address)",
                                                                               self.names[holder])))
        return int(value)

    def call(self, to: str, data: bytes) -> bytes:
        """eth_call on the profile's devnet, at its latest block."""
        from wallet_app.chain.devnet import Devnet, DevnetProvider
        from wallet_app.chain.web3_client import Web3ChainClient

        with Devnet.open(self.home / "profiles" / "demo" / "devnet") as devnet:
            return Web3ChainClient(provider=DevnetProvider(devnet), endpoint="in-process").call(to, data)


def read_names(home: Path) -> dict[str, str]:
    profile = open_profile(home, "demo")
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        return names
    finally:
        profile.close()


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's own copy of the demo."""
    from tests.support.demo_template import copy_demo

    return copy_demo(tmp_path_factory.mktemp("queue-cli-demo") / "home")


@pytest.fixture(scope="module")
def password_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "password"
    path.write_text(DEMO_PASSWORD + "\n")
    return path


@pytest.fixture
def desk(demo_home: Path, tmp_path: Path, password_file: Path) -> Desk:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    return Desk(home, read_names(home), password_file)


@pytest.fixture(scope="module")
def seeded(demo_home: Path, tmp_path_factory: pytest.TempPathFactory, password_file: Path,
           ) -> Iterator[tuple[Desk, str]]:
    """One copy for the bad-input tests, which must change nothing: a payout proposed by Dana, approved by Alice."""
    home = tmp_path_factory.mktemp("seeded") / "home"
    shutil.copytree(demo_home, home)
    desk = Desk(home, read_names(home), password_file)
    proposed = ok(desk.propose()).json()
    ok(desk.run("safe", "approve", proposed["safe_tx_hash"], *desk.signing(ALICE)))
    yield desk, proposed["safe_tx_hash"]


def sign(digest: bytes, key: bytes) -> str:
    signed = Account.unsafe_sign_hash(digest, key)
    return "0x" + (signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])).hex()


def safe_tx_of(item: dict[str, Any], **changes: Any) -> SafeTx:
    fields = item["safe_tx"]
    tx = SafeTx(safe=fields["safe"], chain_id=fields["chain_id"], version=fields["version"], to=fields["to"],
                value=int(fields["value"]), data=bytes.fromhex(fields["data"][2:]),
                operation=Operation(fields["operation"]), nonce=int(fields["nonce"]))
    return SafeTx(**{**{f: getattr(tx, f) for f in tx.__slots__}, **changes})


# -- the 2-of-3 flow ----------------------------------------------------------------------------------------------

def test_full_2_of_3_flow_propose_approve_approve_execute(desk: Desk) -> None:
    """Dana proposes 60,000 HKDH for Kowloon Pension Trust at the vault's next nonce. Above the routine limit the demo
    policy escalates it: two approvals, one of them the compliance officer's (Carmen). Alice and Ben approve; the
    policy, checked again at execution, refuses it until Carmen has approved too; then it is executed and final.

    The demo's own queue may already hold a payout at that nonce which Alice approved: then Custos refuses her second
    signature at the nonce (A11, the WazirX/Radiant pattern) and Ben and Carmen are the two approvals."""
    before = desk.balance(HKDH, KOWLOON)
    nonce = desk.vault_nonce()  # the vault's next nonce: this payout can execute now
    here = [i for i in desk.queue() if i["nonce"] == nonce and i["state"] in LIVE]
    alice_signed_here = any(desk.names[ALICE] in i["signers"] for i in here)
    proposed = desk.propose(amount="60000", extra=("--nonce", str(nonce)))
    assert proposed.code == 0, proposed.err
    result = proposed.json()
    assert {"safe_tx_hash", "nonce", "decision"} <= set(result)
    assert result["queued"] is True and result["decision"] == "escalate" and result["nonce"] == nonce
    assert result["already_queued"] is False
    assert result["policy"]["required_roles"] == ["compliance-officer"]
    assert any("large-hkdh-to-investors" in reason for reason in result["reasons"]), result["reasons"]
    assert result["state"] == "proposed" and result["valid_signatures"] == 0 and result["threshold"] == 2
    assert result["intent_text"].startswith("transfer 60,000.00 HKDH from Harbour client vault to Kowloon")
    safe_tx_hash = result["safe_tx_hash"]
    assert result["entry"]["proposer"] == desk.names[DANA] and result["entry"]["proposer_verified"] is True
    # The hash is the one our own pure code computes from the fields the policy decided on.
    assert "0x" + compute_hashes(safe_tx_of(result["entry"])).safe_tx_hash.hex() == safe_tx_hash

    listed = desk.item(safe_tx_hash)
    assert ISSUE_ITEM_FIELDS <= set(listed)
    assert (listed["safe_tx_hash"], listed["safe"], listed["nonce"], listed["state"], listed["valid_signatures"],
            listed["threshold"]) == (safe_tx_hash, desk.names[CLIENT_VAULT], nonce, "proposed", 0, 2)
    assert sorted(listed["conflicts"]) == sorted(i["safe_tx_hash"] for i in here)  # never auto-picked (A10)

    by_alice = desk.run("safe", "approve", safe_tx_hash, *desk.signing(ALICE), "--json")
    if alice_signed_here:
        assert_one_line_error(by_alice, "already signed another transaction at nonce")
        signers = []
    else:
        assert (by_alice.json()["state"], by_alice.json()["signers"]) == ("approving", [desk.names[ALICE]])
        signers = [desk.names[ALICE]]
    by_ben = ok(desk.run("safe", "approve", safe_tx_hash, *desk.signing(BEN), "--json")).json()
    signers.append(desk.names[BEN])
    assert set(by_ben["signers"]) == set(signers)
    assert by_ben["valid_signatures"] == len(signers)
    text = ok(desk.run("safe", "queue")).out
    state = "READY" if len(signers) == 2 else "APPROVING"
    assert f"nonce {nonce}  {state}  {safe_tx_hash}" in text
    assert f"{len(signers)} valid of threshold 2 ({len(signers)} valid of {len(signers)} rows)" in text
    assert f"signed by    {BEN} {desk.names[BEN]}" in text

    held = desk.snapshot()
    refused = desk.run("safe", "execute", safe_tx_hash, *desk.signing(DANA))
    # Not yet: the policy wants the compliance officer (A15, decided again at execution), or a signature is missing.
    assert_one_line_error(refused, "compliance-officer" if len(signers) == 2 else "")
    assert desk.snapshot()["queue_broadcasts"] == held["queue_broadcasts"]  # nothing signed or sent
    assert desk.balance(HKDH, KOWLOON) == before

    by_carmen = ok(desk.run("safe", "approve", safe_tx_hash, *desk.signing(CARMEN), "--json")).json()
    assert by_carmen["valid_signatures"] == len(signers) + 1 and by_carmen["state"] == "ready"
    executed = ok(desk.run("safe", "execute", safe_tx_hash, *desk.signing(DANA), "--json")).json()
    assert executed["safe_tx_hash"] == safe_tx_hash
    assert executed["chain_tx_hash"].startswith("0x") and len(executed["chain_tx_hash"]) == 66
    assert executed["state"] == "final" and executed["outcome"] == "success"
    assert executed["executor"] == desk.names[DANA]
    final = desk.item(safe_tx_hash)
    assert final["state"] == "final" and final["exec_tx_hash"] == executed["chain_tx_hash"]
    assert desk.balance(HKDH, KOWLOON) == before + 60_000 * HKD
    assert desk.vault_nonce() == nonce + 1
    listed_after = {i["safe_tx_hash"]: i for i in desk.queue()}
    for other in here:  # the proposals that lost the nonce can never execute now
        assert listed_after[other["safe_tx_hash"]]["state"] not in LIVE, listed_after[other["safe_tx_hash"]]
    assert_one_line_error(desk.run("safe", "execute", safe_tx_hash, *desk.signing(DANA)), "executed already")


def test_propose_in_words_shows_the_decision_and_the_chunked_hashes(desk: Desk) -> None:
    before = {i["safe_tx_hash"] for i in desk.queue()}
    ran = ok(desk.run("safe", "propose", "--safe", desk.names[CLIENT_VAULT], "--asset", desk.names[HKDH],
                      "--amount", "60000.00", "--to", desk.names[KOWLOON], *desk.signing(DANA)))
    [item] = [i for i in desk.queue() if i["safe_tx_hash"] not in before]
    lines = ran.out.splitlines()
    assert lines[0] == (f"Queued for approval: nonce {item['nonce']} of {CLIENT_VAULT} ({desk.names[CLIENT_VAULT]}), "
                        "state proposed, 0 valid signatures of threshold 2")
    assert "  transfer 60,000.00 HKDH from Harbour client vault to Kowloon Pension Trust (allowlisted)" in lines
    assert ("Decision   ESCALATE: needs 2 approvals from owners other than the proposer, including "
            "compliance-officer") in lines
    digits = item["safe_tx_hash"][2:]
    assert f"  safe_tx_hash  {item['safe_tx_hash']}" in lines
    assert "0x " + " ".join(digits[i:i + 4] for i in range(0, 64, 4)) in ran.out  # chunked for reading aloud
    assert item["domain_hash"] in ran.out and item["message_hash"] in ran.out
    # A gap is judged against the whole queue of the vault, as `safe queue` judges it.
    assert ("Gap        " in ran.out) == bool(item["gap"]) and item["gap"] in ran.out
    assert "Already" not in ran.out
    # The same fields at the same nonce hash the same: the item queued before is the answer, nothing new is queued.
    again = ok(desk.propose(amount="60000", extra=("--nonce", str(item["nonce"])))).json()
    assert again["already_queued"] is True and again["safe_tx_hash"] == item["safe_tx_hash"]
    assert len(desk.queue()) == len(before) + 1


def test_native_coin_is_sent_as_value_and_decided_by_the_policy(desk: Desk) -> None:
    before = desk.snapshot()
    ran = desk.propose(asset="native", amount="1.5")  # no rule of the demo policy pays HSK to an investor
    assert ran.code == 1 and ran.err == ""
    result = ran.json()
    assert (result["decision"], result["queued"]) == ("deny", False)
    assert result["intent_text"] == "send 1.50 HSK from Harbour client vault to Kowloon Pension Trust (allowlisted)"
    tx = result["policy"]["safe_tx"]
    assert (tx["to"], tx["value"], tx["data"], tx["operation"]) == (desk.names[KOWLOON], str(15 * 10**17), "0x", 0)
    assert desk.snapshot()["queue_items"] == before["queue_items"]


def test_a_denied_proposal_queues_nothing_and_exits_as_policy_check_does(desk: Desk) -> None:
    before = desk.snapshot()
    denied = desk.propose(amount="5000", to=SANCTIONED)
    assert denied.code == 1 and denied.err == ""  # the decision is the output, not an error
    result = denied.json()
    assert result["queued"] is False and result["decision"] == "deny" and result["state"] is None
    assert result["entry"] is None and result["safe_tx_hash"].startswith("0x")
    assert any("denylist" in r or "sanction" in r.lower() for r in result["reasons"]), result["reasons"]
    checked = custos(desk.home, "policy", "check", "--safe", desk.names[CLIENT_VAULT], "--to", desk.names[HKDH],
                     "--data", "0x" + build_call("transfer(address,uint256)", desk.names[SANCTIONED],
                                                 5000 * HKD).hex())
    assert checked.code == denied.code  # the same exit code for a deny
    after = desk.snapshot()
    for table in ("queue_items", "queue_signatures", "queue_broadcasts", "signing_journal"):
        assert after[table] == before[table], table
    words = desk.run("safe", "propose", "--safe", desk.names[CLIENT_VAULT], "--asset", desk.names[HKDH], "--amount",
                     "5000", "--to", desk.names[SANCTIONED], *desk.signing(DANA))
    assert words.code == 1 and words.out.startswith("NOT QUEUED") and "nothing was queued" in words.out
    assert desk.snapshot()["queue_items"] == before["queue_items"]


# -- rejection ----------------------------------------------------------------------------------------------------

def test_reject_queues_a_rejection_at_the_same_nonce_shown_as_a_conflict(desk: Desk) -> None:
    nonce = desk.vault_nonce()
    others = {i["safe_tx_hash"] for i in desk.queue() if i["nonce"] == nonce and i["state"] in LIVE}
    proposed = ok(desk.propose(amount="1234.56", extra=("--nonce", str(nonce)))).json()
    original = proposed["safe_tx_hash"]
    # Dana owns no vault: her rejection is queued for the owners to sign (the policy never counts a proposer).
    words = ok(desk.run("safe", "reject", original, *desk.signing(DANA))).out
    assert words.startswith(f"Rejection of {original} at nonce {nonce}: ") and "queued for the owners to sign" in words
    rejection = next(i for i in desk.queue() if i["nonce"] == nonce and i["safe_tx"]["data"] == "0x"
                     and i["safe_tx"]["to"] == desk.names[CLIENT_VAULT] and i["state"] in LIVE)
    assert (rejection["safe_tx"]["value"], rejection["safe_tx"]["operation"], rejection["proposer"]) == (
        "0", 0, desk.names[DANA])
    assert (rejection["state"], rejection["valid_signatures"], rejection["signers"]) == ("proposed", 0, [])
    assert set(rejection["conflicts"]) == {original, *others}
    by_alice = ok(desk.run("safe", "reject", original, *desk.signing(ALICE), "--json")).json()
    assert by_alice["rejects"] == original and by_alice["safe_tx_hash"] == rejection["safe_tx_hash"]  # the same one
    assert (by_alice["state"], by_alice["valid_signatures"], by_alice["signers"]) == (
        "approving", 1, [desk.names[ALICE]])
    items = {i["safe_tx_hash"]: i for i in desk.queue()}
    assert set(items[original]["conflicts"]) == {rejection["safe_tx_hash"], *others}
    text = ok(desk.run("safe", "queue", "--safe", desk.names[CLIENT_VAULT])).out
    assert f"CONFLICT     nonce {nonce} is also proposed as {rejection['safe_tx_hash']}" in text
    assert f"CONFLICT     nonce {nonce} is also proposed as {original}" in text and "Custos never picks" in text
    treasury = ok(desk.run("safe", "queue", "--safe", desk.names[TREASURY], "--json")).json()
    assert all(i["safe"] == desk.names[TREASURY] for i in treasury)
    assert {original, rejection["safe_tx_hash"]}.isdisjoint(i["safe_tx_hash"] for i in treasury)
    # Ben signs the rejection too; executing it uses up the nonce and the payout can never run.
    ok(desk.run("safe", "approve", rejection["safe_tx_hash"], *desk.signing(BEN)))
    executed = ok(desk.run("safe", "execute", rejection["safe_tx_hash"], *desk.signing(DANA), "--json")).json()
    assert executed["state"] == "final" and executed["outcome"] == "success"
    after = {i["safe_tx_hash"]: i for i in desk.queue()}
    assert after[rejection["safe_tx_hash"]]["state"] == "final"
    assert after[original]["state"] == "rejected"
    assert desk.vault_nonce() == nonce + 1
    assert_one_line_error(desk.run("safe", "approve", original, *desk.signing(BEN)), "rejected")


# -- co-signer signatures made elsewhere -------------------------------------------------------------------------

def test_import_signature_of_an_owner_counts(desk: Desk) -> None:
    safe_tx_hash = ok(desk.propose()).json()["safe_tx_hash"]
    ok(desk.run("safe", "approve", safe_tx_hash, *desk.signing(ALICE)))
    carmen = sign(bytes.fromhex(safe_tx_hash[2:]), desk.private_key(CARMEN))  # on her offline device
    imported = ok(desk.run("safe", "import-signature", safe_tx_hash, "--signature", carmen, "--owner",
                           desk.names[CARMEN], "--json")).json()
    assert (imported["state"], imported["valid_signatures"]) == ("ready", 2)
    listed = desk.item(safe_tx_hash)
    assert (imported["gap"], imported["conflicts"]) == (listed["gap"], listed["conflicts"])
    assert set(imported["signers"]) == {desk.names[ALICE], desk.names[CARMEN]}
    again = ok(desk.run("safe", "import-signature", safe_tx_hash, "--signature", carmen))
    assert "2 valid signatures of threshold 2" in again.out  # the same signature again is counted once


def test_bad_signatures_are_refused_and_nothing_is_stored(seeded: tuple[Desk, str]) -> None:
    desk, safe_tx_hash = seeded
    item = desk.item(safe_tx_hash)
    carmen = desk.private_key(CARMEN)
    other_chain = compute_hashes(safe_tx_of(item, chain_id=item["safe_tx"]["chain_id"] + 1)).safe_tx_hash
    other_vault = compute_hashes(safe_tx_of(item, safe=desk.names[TREASURY])).safe_tx_hash
    right = bytes.fromhex(safe_tx_hash[2:])
    good = sign(right, carmen)
    before = desk.snapshot()
    not_counted = f"The signature does not count for {safe_tx_hash}"
    cases = {  # Carmen's key signing another hash recovers to an address that owns nothing
        "another chain": (sign(other_chain, carmen), (), not_counted, "not an owner"),
        "another vault": (sign(other_vault, carmen), (), not_counted, "not an owner"),
        "not an owner": (sign(right, desk.private_key(DANA)), (), not_counted, f"{desk.names[DANA]}, who is not"),
        "someone else's claimed": (good, ("--owner", desk.names[BEN]), f"The signature is {desk.names[CARMEN]}'s",
                                   f"not {desk.names[BEN]}'s"),
        "garbled hex": ("0x" + "zz" * 65, (), "hex digits", ""),
        "too short": ("0x1234", (), "cut short", ""),
        "all zeros": ("0x" + "00" * 65, (), not_counted, "contract signature"),
        "two at once": (good + good[2:], (), "one signature at a time", ""),
        "malleated": (malleate(good), (), not_counted, "malleated (high-s)"),
    }
    for name, (signature, extra, *phrases) in cases.items():
        ran = desk.run("safe", "import-signature", safe_tx_hash, "--signature", signature, *extra)
        assert ran.code == 1, name
        assert_one_line_error(ran, *phrases)
    assert desk.snapshot() == before
    assert desk.item(safe_tx_hash)["valid_signatures"] == 1


def malleate(signature: str) -> str:
    """The same ECDSA signature with s replaced by n - s and v flipped: valid maths, never accepted twice (A13)."""
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    raw = bytes.fromhex(signature[2:])
    s = int.from_bytes(raw[32:64], "big")
    return "0x" + (raw[:32] + (n - s).to_bytes(32, "big") + bytes([55 - raw[64]])).hex()  # v: 27 <-> 28


# -- bad input: one line on stderr, nothing on stdout, nothing changed ---------------------------------------------

BAD_PROPOSALS = {
    "bad checksum recipient": (("--to", "RECIPIENT_BAD_CASE"), "checksum"),
    "cyrillic in the vault": (("--safe", "VAULT_CYRILLIC"), "not plain ASCII"),
    "exponent amount": (("--amount", "1e4"), "exponent form"),
    "negative amount": (("--amount", "-5"), "negative"),
    "zero amount": (("--amount", "0"), "zero"),
    "too many decimals": (("--amount", "1.0000001"), "6 decimal places"),
    "full-width digits": (("--amount", "\uff11\uff10"), "not plain ASCII"),
    "unknown token": (("--asset", "0x000000000000000000000000000000000000dEaD"), "not a token of this profile"),
    "erc-721 without token id": (("--asset", "DEED"), "--token-id"),
    "used nonce": (("--nonce", "0"), "already used"),
    "negative nonce": (("--nonce", "-1"), "negative"),
    "not a vault of the profile": (("--safe", "0x000000000000000000000000000000000000bEEF"), "not one of this "),
    "wrong password": (("--password-file", "WRONG_PASSWORD"), "password"),
    "not a key of the profile": (("--key", "0x000000000000000000000000000000000000bEEF"), "not one of this "),
}


def proposal_args(desk: Desk, change: tuple[str, str], wrong_password: Path) -> list[str]:
    values = {"--safe": desk.names[CLIENT_VAULT], "--asset": desk.names[HKDH], "--amount": "100",
              "--to": desk.names[KOWLOON], "--key": desk.names[DANA], "--password-file": str(desk.password_file)}
    flag, value = change
    value = {
        "RECIPIENT_BAD_CASE": "0x" + desk.names[KOWLOON][2:].swapcase(),
        "VAULT_CYRILLIC": desk.names[CLIENT_VAULT][:-1] + "\u0430",
        "DEED": desk.names[DEED],
        "WRONG_PASSWORD": str(wrong_password),
    }.get(value, value)
    values[flag] = value
    return ["safe", "propose", *(a for pair in values.items() for a in pair)]


def test_bad_proposals_are_one_line_errors_and_change_nothing(seeded: tuple[Desk, str], tmp_path: Path) -> None:
    desk, _hash = seeded
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    before = desk.snapshot()
    for name, (change, phrase) in BAD_PROPOSALS.items():
        actions = desk.audit_actions()
        ran = desk.run(*proposal_args(desk, change, wrong))
        assert ran.code == 1, (name, ran)
        assert_one_line_error(ran, phrase)
        assert desk.snapshot() == before, name
        if name == "wrong password":  # the failed attempt is on record
            assert desk.audit_actions()[len(actions):] == ["unlock_failed"]


def test_bad_hashes_keys_and_states_are_one_line_errors(seeded: tuple[Desk, str], tmp_path: Path) -> None:
    desk, safe_tx_hash = seeded
    wrong = tmp_path / "wrong"
    wrong.write_text("not the password\n")
    unknown = "0x" + "ab" * 32
    before = desk.snapshot()
    cases = [
        (("safe", "approve", "0x1234", *desk.signing(BEN)), "is not a safeTxHash"),
        (("safe", "approve", "0x" + "g" * 64, *desk.signing(BEN)), "is not a safeTxHash"),
        (("safe", "approve", unknown, *desk.signing(BEN)), "No queued transaction"),
        (("safe", "approve", safe_tx_hash, *desk.signing(DANA)), "not an owner"),
        (("safe", "approve", safe_tx_hash, "--key", desk.names[BEN], "--password-file", str(wrong)), "password"),
        (("safe", "reject", "0xnothex", *desk.signing(BEN)), "is not a safeTxHash"),
        (("safe", "execute", safe_tx_hash, *desk.signing(DANA)), "1 valid signature of threshold 2"),
        (("safe", "execute", unknown, *desk.signing(DANA)), "No queued transaction"),
        (("safe", "import-signature", "0x12", "--signature", "0x00"), "is not a safeTxHash"),
        (("safe", "queue", "--safe", "0x1234"), "--safe"),
        (("safe", "approve", safe_tx_hash), "--key"),  # argparse: a required option missing
        (("safe", "propose", "--safe", desk.names[CLIENT_VAULT]), "required"),
    ]
    for args, phrase in cases:
        ran = desk.run(*args)
        assert_one_line_error(ran, phrase)
        assert desk.snapshot() == before, args


def test_import_a_transaction_file_with_its_signatures(desk: Desk, tmp_path: Path) -> None:
    """`custos safe import FILE`: an item exported from one desktop (`safe queue --json`) with a co-signer's
    signature, queued on another; a malformed file is refused with one line and queues nothing."""
    safe_tx_hash = ok(desk.propose()).json()["safe_tx_hash"]
    item = desk.item(safe_tx_hash)
    carmen = sign(bytes.fromhex(safe_tx_hash[2:]), desk.private_key(CARMEN))
    exported = tmp_path / "tx.json"
    exported.write_text(json.dumps({**item, "signatures": [{"owner": desk.names[CARMEN], "signature": carmen}]}))
    imported = ok(desk.run("safe", "import", str(exported), *desk.signing(DANA), "--json")).json()
    assert imported["safe_tx_hash"] == safe_tx_hash and imported["accepted"] == [desk.names[CARMEN]]
    assert desk.item(safe_tx_hash)["valid_signatures"] == 1
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**item["safe_tx"], "data": "0xzz"}))
    before = ok(desk.run("safe", "queue", "--json")).json()
    assert_one_line_error(desk.run("safe", "import", str(broken), *desk.signing(DANA)), "hex digits")
    assert ok(desk.run("safe", "queue", "--json")).json() == before
