"""Signing a cold vault's transfer on the offline signer (issue 15, 3): the review of a real request (an
eth-sign-request of type 4 and its custos-account-check) against a real cold vault, policy and journal of an offline
profile, each of its refusals, and the ceremony: K shares rebuild the key, the signature recovers to the vault in the
assembled transaction, and every wrong share, approval or hash signs nothing and leaves no released journal row."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eth_account import Account
from eth_keys.datatypes import PrivateKey

from wallet_app.audit.actions import OFFLINE_REFUSED, OFFLINE_SIGN
from wallet_app.audit.profile_log import build_audit_log
from wallet_app.cold.approval import AccountApproval
from wallet_app.cold.ceremony import ShareFileWriter, create_cold_vault
from wallet_app.cold.opening import EncryptedShare, EnteredShare, ShareWords
from wallet_app.cold.review import ColdReview, cold_review_lines, review_cold_request
from wallet_app.cold.share_file import LOWEST_N, ShareFileError, decrypt_share
from wallet_app.cold.shares import ShareError
from wallet_app.cold.signing import sign_cold
from wallet_app.cold.store import ColdStore, ColdVault
from wallet_app.config import ProfileConfig
from wallet_app.domain.account_tx import AccountTx
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.service import DEFAULT_PATH
from wallet_app.keys.signature import finalize_signature
from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.review import RequestRefused
from wallet_app.offline.transport import ReadRequest
from wallet_app.policy.carried_facts import CarriedFacts
from wallet_app.policy.facts import SimulationOutcome
from wallet_app.policy.service_setup import install_signed_policy
from wallet_app.policy.views import ActivePolicy
from wallet_app.profiles import Profile, create_profile
from wallet_app.safe.journal import RELEASED, SigningJournal
from wallet_app.ur.eth_types import EthSignature, EthSignRequest
from wallet_app.ur.keypath import parse_path

CHAIN_ID = 1770177
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
HOLDERS = ("Alice Chan", "Ben Wong", "Carol Ho")
PASSPHRASES = ("alice-passphrase", "ben-passphrase", "carol-passphrase")
ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY = (bytes([n]) * 32 for n in (0x11, 0x22, 0x33, 0x44))
ALICE, BEN, CARMEN, MALLORY = (str(Account.from_key(k).address) for k in (ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY))
KEYS = {ALICE: ALICE_KEY, BEN: BEN_KEY, CARMEN: CARMEN_KEY, MALLORY: MALLORY_KEY}
GOVERNANCE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
CLIENT = "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"
STRANGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DANA = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # the proposer, not an approver
ETHER = 10**18


def policy_text(cold: str) -> str:
    return f"""[policy]
version = 1
name = "Cold test policy"
chain_id = {CHAIN_ID}
timezone = "Asia/Hong_Kong"
loosening_delay_hours = 48

[governance]
vault = "{GOVERNANCE}"
quorum = 2
delay_hours = 48

[[roles]]
name = "treasury-officer"
members = ["{ALICE}", "{BEN}", "{CARMEN}"]

[[contacts]]
label = "Client Vault"
address = "{CLIENT}"
kind = "vault"
added = 2025-01-02T00:00:00Z

[[contacts]]
label = "Cold Vault"
address = "{cold}"
kind = "vault"
added = 2025-01-02T00:00:00Z

[[assets]]
symbol = "HSK"
address = "native"
decimals = 18

[[vaults]]
address = "{cold}"
kind = "account"
storage = "cold"
client_assets = true
approvers = ["{ALICE}", "{BEN}", "{CARMEN}"]
threshold = 2

[[rules]]
id = "cold-to-client"
action = "allow"
approvals = 2
[rules.when]
vaults = ["Cold Vault"]
assets = ["HSK"]
kinds = ["transfer"]
destinations = ["Client Vault"]
max_amount = "10"
"""


@dataclass
class Signer:
    """An offline signer profile with one cold vault (2 of 3 encrypted share files) and a policy naming it."""

    profile: Profile
    store: ColdStore
    vault: ColdVault
    shares_dir: Path
    policy: ActivePolicy
    journal: SigningJournal

    def shares(self, picks: Sequence[int] = (0, 1)) -> list[EncryptedShare]:
        found = sorted(self.shares_dir.glob("*.custos-share"))
        return [EncryptedShare(found[i].read_bytes(), PASSPHRASES[i], found[i].name) for i in picks]

    def words(self, index: int) -> str:
        found = sorted(self.shares_dir.glob("*.custos-share"))
        return decrypt_share(found[index].read_bytes(), PASSPHRASES[index], min_n=LOWEST_N)[1]

    def review(self, read: ReadRequest) -> ColdReview:
        return review_cold_request(read, chain_id=CHAIN_ID, store=self.store, policy=self.policy,
                                   denylist=frozenset(), journal=self.journal, now=NOW)

    def sign(self, read: ReadRequest, shares: Sequence[EnteredShare] | None = None,
             confirmed: str | None = None) -> EthSignature:
        review = self.review(read)
        return sign_cold(review, self.shares() if shares is None else shares, store=self.store, journal=self.journal,
                         audit=build_audit_log(self.profile),
                         confirmed_hash=confirmed or "0x" + review.signing_hash.hex(), min_scrypt_n=LOWEST_N)

    def audit(self) -> list[tuple[str, dict[str, object]]]:
        return [(e.action, json.loads(e.detail) if isinstance(e.detail, str) else dict(e.detail))
                for e in reversed(build_audit_log(self.profile).load_entries())]


def make_vault(store: ColdStore, directory: Path, label: str) -> ColdVault:
    directory.mkdir()
    return create_cold_vault(store, label=label, threshold=2, holders=HOLDERS,
                             deliver=ShareFileWriter(directory, PASSPHRASES, scrypt_n=LOWEST_N)).vault


@pytest.fixture
def signer(tmp_path: Path) -> Iterator[Signer]:
    from wallet_app.vaults.anchors import AnchorStore, vault_facts

    profile = create_profile(tmp_path / "home", ProfileConfig(name="signer", network="devnet", chain_id=CHAIN_ID,
                                                              offline=True))
    store = ColdStore(engine=profile.engine, chain_id=CHAIN_ID, audit=build_audit_log(profile))
    vault = make_vault(store, tmp_path / "shares", "Cold Vault")
    anchors = AnchorStore(engine=profile.engine, chain_id=CHAIN_ID)
    anchors.anchor(vault_facts(CHAIN_ID, GOVERNANCE, "1.4.1", (ALICE, BEN, CARMEN), 2, "Governance"), how="typed")
    policy = install_signed_policy(profile, policy_text(vault.address),
                                   [KeystoreSigner(address=a, private_key=KEYS[a]) for a in (ALICE, BEN)],
                                   load_owners=anchors.owner_reader(), now=T0)
    yield Signer(profile, store, vault, tmp_path / "shares", policy, SigningJournal(profile.engine))
    profile.close()


def transfer(to: str = CLIENT, value: int = 2 * ETHER, nonce: int = 3) -> AccountTx:
    return AccountTx(chain_id=CHAIN_ID, nonce=nonce, to=to, value=value, data=b"", gas=21_000,
                     max_fee_per_gas=100 * 10**9, max_priority_fee_per_gas=2 * 10**9)


def approve(who: str, signer: Signer, tx: AccountTx, *, nonce: int | None = None, tx_hash: bytes | None = None,
            digest: str | None = None) -> tuple[str, bytes]:
    approval = AccountApproval(chain_id=CHAIN_ID, vault=signer.vault.address, tx_hash=tx_hash or tx.signing_hash(),
                               nonce=tx.nonce if nonce is None else nonce,
                               policy_digest=bytes.fromhex((digest or signer.policy.digest)[2:]))
    message = approval.digest()
    raw = PrivateKey(KEYS[who]).sign_msg_hash(message)
    return who, finalize_signature(message, raw.r, raw.s, who).to_bytes()


def request(signer: Signer, tx: AccountTx | None = None, *, approvals: Sequence[tuple[str, bytes]] | None = None,
            check_tx: AccountTx | None = None, **changes: object) -> ReadRequest:
    """The two URs the online desktop sends, round-tripped through their CBOR; `changes` alter the check."""
    tx = tx or transfer()
    about = check_tx or tx
    request_id = uuid.uuid4()
    sign_request = EthSignRequest(request_id=request_id, sign_data=tx.unsigned_bytes(), data_type=4,
                                  chain_id=CHAIN_ID, derivation_path=parse_path(DEFAULT_PATH),
                                  address=bytes.fromhex(signer.vault.address[2:]), origin="Custos")
    if approvals is None:
        approvals = [approve(ALICE, signer, about), approve(BEN, signer, about)]
    check = OnlineCheck(
        request_id=request_id, safe_tx_hash=about.signing_hash(), chain_id=CHAIN_ID, safe=signer.vault.address,
        nonce=about.nonce, block_number=120, block_hash=b"\x07" * 32, checked_at=NOW - timedelta(minutes=5),
        decision="allow", rules=(("cold-to-client", "match"),), policy_digest=signer.policy.digest,
        policy_version=signer.policy.version, proposer=DANA, approvers=(ALICE, BEN),
        simulation="simulated at block 120: it succeeds",
        facts=CarriedFacts(simulation=SimulationOutcome(reverted=False), vault_nonce=about.nonce),
        account=True, approvals=tuple(approvals))
    check = replace(check, **changes)  # type: ignore[arg-type]
    return ReadRequest(EthSignRequest.from_cbor(sign_request.to_cbor()), OnlineCheck.from_cbor(check.to_cbor()))


def nothing_signed(signer: Signer, before: int = 0) -> None:
    """No released journal row and no offline_sign audit entry beyond the `before` signatures made earlier."""
    assert len([e for e in signer.journal.entries() if e.state == RELEASED]) == before
    assert [action for action, _ in signer.audit()].count(OFFLINE_SIGN) == before


def refusals(signer: Signer, read: ReadRequest, before: int = 0) -> str:
    review = signer.review(read)
    assert not review.can_sign
    with pytest.raises(RequestRefused, match="Custos will not sign this request"):
        signer.sign(read)
    nothing_signed(signer, before)
    assert signer.audit()[-1][0] == OFFLINE_REFUSED
    return " | ".join(review.refusals)


# -- a good request --------------------------------------------------------------------------------------------------

def test_a_reviewed_transfer_is_signed_by_two_shares_and_recovers_to_the_vault(signer: Signer) -> None:
    tx = transfer()
    read = request(signer, tx)
    review = signer.review(read)
    assert review.refusals == () and review.approvals == (ALICE, BEN) and review.decision.decision == "allow"
    assert review.fee_cap == 21_000 * 100 * 10**9
    text = "\n".join(cold_review_lines(review))
    for shown in (signer.vault.address, "Nonce         3", "Value         2 HSK", "Fee cap       0.0021 HSK",
                  "2 verified here of the 2 of 3 approvers", "0x" + tx.signing_hash().hex(),
                  "cold-to-client", "[decided here]", "Online desktop decided allow at block 120", "Compare"):
        assert shown in text, shown
    answer = signer.sign(read)
    assert answer.request_id == read.sign_request.request_id and len(answer.signature) == 65
    assert answer.v in (0, 1)  # the y parity, as EIP-1559 and Keystone's typed transactions carry it
    signed = tx.signed_bytes(answer.v, answer.r, answer.s)
    assert Account.recover_transaction(signed) == signer.vault.address
    [entry] = signer.journal.entries()
    assert (entry.kind, entry.state, entry.signer, entry.safe, entry.nonce, entry.digest) == \
        ("account_tx", RELEASED, signer.vault.address, signer.vault.address, 3, tx.signing_hash())
    action, detail = signer.audit()[-1]
    assert action == OFFLINE_SIGN and detail["kind"] == "cold" and detail["vault"] == signer.vault.address
    assert detail["nonce"] == "3" and detail["share_set"] == signer.vault.active.identifier
    assert detail["shares_entered"] == ["share 1: Alice Chan", "share 2: Ben Wong"]
    logged = json.dumps(signer.audit())
    assert not any(p in logged for p in PASSPHRASES)
    assert not any(w in logged for i in range(3) for w in signer.words(i).split()[4:8])
    # The same transaction again is a retry: same signature (RFC 6979), one journal row.
    assert signer.sign(read, signer.shares((2, 0))).signature == answer.signature
    assert len(signer.journal.entries()) == 1


def test_words_and_files_mix_in_one_ceremony(signer: Signer) -> None:
    answer = signer.sign(request(signer), [ShareWords(signer.words(2), "Carol's paper"), *signer.shares((0,))])
    assert Account.recover_transaction(transfer().signed_bytes(answer.v, answer.r, answer.s)) == signer.vault.address


# -- the shares: refused, nothing signed ---------------------------------------------------------------------------

def test_wrong_shares_sign_nothing(signer: Signer, tmp_path: Path) -> None:
    other = make_vault(signer.store, tmp_path / "other", "Another cold vault")
    assert other.address != signer.vault.address
    foreign = sorted((tmp_path / "other").glob("*.custos-share"))[1]
    typo = signer.words(1).split()
    typo[7] = "academic" if typo[7] != "academic" else "acid"
    cases: list[tuple[Sequence[EnteredShare], str]] = [
        (signer.shares((0,)), "1 share given; 2 of the 3"),
        ([*signer.shares((0,)), EncryptedShare(foreign.read_bytes(), PASSPHRASES[1], foreign.name)],
         f"holds a share of {other.address}, not of {signer.vault.address}"),
        ([*signer.shares((0,)), ShareWords(decrypt_share(foreign.read_bytes(), PASSPHRASES[1], min_n=LOWEST_N)[1],
                                           "Ben's other paper")], "another share set"),
        ([*signer.shares((0,)), ShareWords(" ".join(typo), "Ben's paper")], "Ben's paper: .*mistyped"),
        ([*signer.shares((0,)), EncryptedShare(signer.shares((1,))[0].data, "not Ben's passphrase")],
         "passphrase is wrong"),
    ]
    for shares, reason in cases:
        with pytest.raises((ShareError, ShareFileError), match=reason):
            signer.sign(request(signer), shares)
        assert signer.journal.entries() == [], reason  # refused before the journal: no row at all
    nothing_signed(signer)


def test_a_hash_not_the_one_computed_here_signs_nothing(signer: Signer) -> None:
    with pytest.raises(RequestRefused, match="is not the signing hash this signer computed"):
        signer.sign(request(signer), confirmed="0x" + "ab" * 32)
    nothing_signed(signer)
    assert signer.journal.entries() == []


# -- the approvals -------------------------------------------------------------------------------------------------

def test_approvals_missing_short_foreign_or_repeated_refuse(signer: Signer) -> None:
    tx = transfer()
    assert "0 of the 2 approvals Cold Vault needs are carried (approved: none)" in \
        refusals(signer, request(signer, tx, approvals=[]))
    short = refusals(signer, request(signer, tx, approvals=[approve(ALICE, signer, tx)]))
    assert "1 of the 2 approvals Cold Vault needs are carried" in short and ALICE in short
    assert "not yet: " in short and BEN in short.split("not yet: ")[1]
    stranger = refusals(signer, request(signer, tx, approvals=[approve(ALICE, signer, tx),
                                                               approve(MALLORY, signer, tx)]))
    assert f"{MALLORY} is not an approver of Cold Vault" in stranger
    twice = refusals(signer, request(signer, tx, approvals=[approve(ALICE, signer, tx), approve(ALICE, signer, tx)]))
    assert f"{ALICE} approved twice" in twice
    claimed = refusals(signer, request(signer, tx, approvals=[(BEN, approve(ALICE, signer, tx)[1]),
                                                              approve(CARMEN, signer, tx)]))
    assert f"said to be {BEN}'s was signed by {ALICE}" in claimed


@pytest.mark.parametrize("changed", ["nonce", "hash", "policy"])
def test_an_approval_of_another_nonce_hash_or_policy_does_not_count(signer: Signer, changed: str) -> None:
    tx = transfer()
    other = {"nonce": {"nonce": 4}, "hash": {"tx_hash": transfer(value=3 * ETHER).signing_hash()},
             "policy": {"digest": "0x" + "ab" * 32}}[changed]
    approvals = [approve(ALICE, signer, tx), approve(BEN, signer, tx, **other)]  # type: ignore[arg-type]
    text = refusals(signer, request(signer, tx, approvals=approvals))
    assert "do not verify against this signer's policy" in text and "does not count" in text


def test_the_proposers_own_approval_does_not_count_for_the_rule(signer: Signer) -> None:
    text = refusals(signer, request(signer, proposer=ALICE))
    assert "needs 2 approvals from approvers other than the proposer; 1 count" in text


# -- the policy, the check and the journal ------------------------------------------------------------------------

def test_a_transfer_the_policy_denies_is_refused(signer: Signer) -> None:
    text = refusals(signer, request(signer, transfer(to=STRANGER)))
    assert "The policy on this machine denies it (default-deny" in text
    too_much = refusals(signer, request(signer, transfer(value=11 * ETHER)))
    assert "denies it" in too_much


def test_a_check_that_does_not_match_the_transaction_is_refused(signer: Signer) -> None:
    tx = transfer()
    tampered = refusals(signer, request(signer, tx, safe_tx_hash=b"\x11" * 32))
    assert "the transaction or the check was altered" in tampered
    other = refusals(signer, request(signer, tx, check_tx=transfer(value=3 * ETHER)))
    assert "the transaction or the check was altered" in other
    assert "another chain, vault or nonce" in refusals(signer, request(signer, tx, nonce=9))
    policy = refusals(signer, request(signer, tx, policy_digest="0x" + "cd" * 32))
    assert "import the policy bundle of the version in force" in policy
    assert "decided deny, but its own facts give allow" in refusals(signer, request(signer, tx, decision="deny"))


def test_a_request_without_an_account_check_is_refused(signer: Signer) -> None:
    read = request(signer)
    assert "carries no online check" in refusals(signer, ReadRequest(read.sign_request, None))
    assert isinstance(read.check, OnlineCheck)
    safe_check = replace(read.check, account=False, approvals=())
    assert "not an account vault's check" in refusals(signer, ReadRequest(read.sign_request, safe_check))


def test_a_second_transaction_at_a_signed_nonce_is_refused(signer: Signer) -> None:
    signer.sign(request(signer))
    text = refusals(signer, request(signer, transfer(value=1 * ETHER)), before=1)
    assert f"already signed 0x{transfer().signing_hash().hex()} at nonce 3" in text
    assert len(signer.journal.entries()) == 1


def test_a_cold_vault_the_policy_does_not_name_is_refused(signer: Signer, tmp_path: Path) -> None:
    other = make_vault(signer.store, tmp_path / "other", "Unlisted")
    signer.vault = other
    text = refusals(signer, request(signer))
    assert f"names no account vault at {other.address}" in text


def test_requests_that_cannot_be_shown_are_refused(signer: Signer) -> None:
    read = request(signer)
    base = read.sign_request

    def refused(match: str, **changes: object) -> None:
        fields = {**base.__dict__, **changes}
        with pytest.raises(RequestRefused, match=match):
            signer.review(ReadRequest(EthSignRequest(**fields), read.check))

    refused("data of type 2; a cold vault signs a typed transaction", data_type=2, sign_data=b"{}")
    refused("for chain 1; this signer signs for chain 1770177", chain_id=1)
    refused("names no cold vault", address=None)
    refused(f"{CLIENT}, which is not a cold vault", address=bytes.fromhex(CLIENT[2:]))
    refused("has 9 fields", sign_data=b"\x02\xc0")
    refused("not an EIP-1559 transaction", sign_data=b"\x01\xc0")
    other_chain = replace(transfer(), chain_id=1).unsigned_bytes()
    refused("The transaction is for chain 1", sign_data=other_chain)


def test_the_journal_still_refuses_a_second_transaction_reviewed_before_the_first_was_signed(signer: Signer) -> None:
    from wallet_app.safe.journal import INCIDENT, SigningBlocked

    late = signer.review(request(signer, transfer(value=1 * ETHER)))
    assert late.can_sign
    signer.sign(request(signer))
    with pytest.raises(SigningBlocked, match="already signed another transaction at nonce 3"):
        sign_cold(late, signer.shares(), store=signer.store, journal=signer.journal,
                  audit=build_audit_log(signer.profile), confirmed_hash="0x" + late.signing_hash.hex(),
                  min_scrypt_n=LOWEST_N)
    assert [e.state for e in signer.journal.entries()] == [RELEASED, INCIDENT]
    nothing_signed(signer, before=1)


def test_a_refused_review_ends_with_its_refusals(signer: Signer) -> None:
    lines = cold_review_lines(signer.review(request(signer, approvals=[approve(ALICE, signer, transfer())])))
    assert lines[-2:] == ["REFUSED:", next(line for line in lines if line.startswith("  1 of the 2 approvals"))]
    assert f"To            Client Vault ({CLIENT})" in lines
