"""Policy governance (SECURITY I6, B5, B6, C1, C6, J1, J2, J6, A14): a change takes effect only with the governance
quorum's EIP-712 signatures, a loosening waits for its cooling-off, a tightening is immediate, and a policy whose rows
or on-disk copy were edited fails closed. A fixed clock throughout; owners come from a fake `load_owners`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak

from wallet_app.config import ProfileConfig
from wallet_app.errors import KeyLocked, WrongPassword
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.signature import SECP256K1_N
from wallet_app.keys.signer import KeyKind, Signer
from wallet_app.keys.views import KeyView
from wallet_app.policy.approval_typed_data import (
    ZERO_DIGEST,
    PolicyAction,
    PolicyVote,
    build_typed_data,
    compute_domain_separator,
    compute_struct_hash,
    compute_vote_digest,
)
from wallet_app.policy.document import PolicyFileError
from wallet_app.policy.governance import (
    InvalidPolicySignature,
    NoActivePolicy,
    PolicyGovernanceError,
    PolicyNotInForce,
    PolicyTampered,
    PolicyUnverifiable,
    recover_vote_signer,
)
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.service import PolicyService
from wallet_app.policy.service_setup import policy_file_path
from wallet_app.profiles import Profile, create_profile
from wallet_app.storage.schema import SCHEMA_HEAD

CHAIN_ID = 177
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"

ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY, DAVE_KEY = (bytes([n]) * 32 for n in (0x11, 0x22, 0x33, 0x44, 0x55))


def address_of(key: bytes) -> str:
    return str(Account.from_key(key).address)


ALICE, BEN, CARMEN, MALLORY, DAVE = map(address_of, (ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY, DAVE_KEY))
VAULT = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
OTHER_VAULT = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
COUNTERPARTY = "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"
NEW_COUNTERPARTY = "0x000000000000000000000000000000000000dEaD"


# -- the typed data ---------------------------------------------------------------------------------------------
def vote(**changes: object) -> PolicyVote:
    fields: dict[str, object] = dict(action=PolicyAction.APPROVE, chain_id=CHAIN_ID, vault=VAULT,
                                     policy_digest=keccak(b"policy v2"), policy_version=2,
                                     previous_digest=keccak(b"policy v1"), signed_at=1_772_442_000)
    fields.update(changes)
    return PolicyVote(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", list(PolicyAction))
@pytest.mark.parametrize("previous", [keccak(b"policy v1"), ZERO_DIGEST])
def test_C1_typed_data_hash_matches_eth_account(action: PolicyAction, previous: bytes) -> None:
    ours = vote(action=action, previous_digest=previous)
    signable = encode_typed_data(full_message=build_typed_data(ours))
    assert signable.header == compute_domain_separator(CHAIN_ID, VAULT)
    assert signable.body == compute_struct_hash(ours)
    assert keccak(b"\x19" + signable.version + signable.header + signable.body) == compute_vote_digest(ours)
    signed = Account.sign_message(signable, ALICE_KEY)  # eth-account signs its own encoding; we recover from ours
    assert recover_vote_signer(ours, low_s(signed.r, signed.s, signed.v)) == ALICE


def low_s(r: int, s: int, v: int) -> bytes:
    """eth-account does not normalise s; Custos refuses high s (EIP-2), so flip it as our signer does."""
    if s > SECP256K1_N // 2:
        s, v = SECP256K1_N - s, 55 - v
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def test_C1_every_field_is_bound_into_the_digest() -> None:
    base = compute_vote_digest(vote())
    variants = [vote(chain_id=1), vote(vault=OTHER_VAULT), vote(policy_digest=keccak(b"x")), vote(policy_version=3),
                vote(previous_digest=ZERO_DIGEST), vote(signed_at=1), vote(action=PolicyAction.REJECT)]
    digests = {compute_vote_digest(v) for v in variants}
    assert base not in digests and len(digests) == len(variants)


def sign_vote(key: bytes, v: PolicyVote) -> bytes:
    return KeystoreSigner(address=address_of(key), private_key=key).sign_digest(compute_vote_digest(v)).to_bytes()


def malleate(signature: bytes) -> bytes:
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


def test_C6_high_s_and_bad_v_are_refused() -> None:
    good = sign_vote(ALICE_KEY, vote())
    assert recover_vote_signer(vote(), good) == ALICE
    with pytest.raises(InvalidPolicySignature, match="high s"):
        recover_vote_signer(vote(), malleate(good))
    for v in (0, 1, 29, 31):
        with pytest.raises(InvalidPolicySignature, match="v 27 or 28"):
            recover_vote_signer(vote(), good[:64] + bytes([v]))
    with pytest.raises(InvalidPolicySignature, match="65 bytes"):
        recover_vote_signer(vote(), good[:64])
    with pytest.raises(InvalidPolicySignature, match="curve order"):
        recover_vote_signer(vote(), bytes(32) + good[32:])


def test_C1_a_signature_for_another_chain_or_vault_recovers_to_someone_else() -> None:
    assert recover_vote_signer(vote(), sign_vote(ALICE_KEY, vote(chain_id=1))) != ALICE
    assert recover_vote_signer(vote(), sign_vote(ALICE_KEY, vote(vault=OTHER_VAULT))) != ALICE


# -- a profile with the policy service --------------------------------------------------------------------------
@dataclass
class FakeKeys:
    """`KeyService`'s signing surface over real `KeystoreSigner`s: unlock needs the password, lock forgets."""

    keys: dict[str, bytes]
    unlocked: dict[str, KeystoreSigner] = field(default_factory=dict)
    unlocks: int = 0

    def load_keys(self) -> list[KeyView]:
        return [KeyView(a, KeyKind.KEYSTORE, a[:8], a in self.unlocked, False, ()) for a in self.keys]

    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None:
        if secret != PASSWORD:
            raise WrongPassword("wrong password")
        self.unlocks += 1
        self.unlocked[address] = KeystoreSigner(address=address, private_key=self.keys[address])

    def signer(self, address: str) -> Signer:
        if address not in self.unlocked:
            raise KeyLocked("locked")
        return self.unlocked[address]

    def lock(self, address: str) -> None:
        signer = self.unlocked.pop(address, None)
        if signer is not None:
            signer.lock()


@dataclass
class Chain:
    """Owners and thresholds of the vaults, as `load_owners` would read them from the chain."""

    vaults: dict[str, tuple[list[str], int]]
    reads: int = 0
    down: bool = False

    def load_owners(self, vault: str) -> tuple[list[str], int]:
        self.reads += 1
        if self.down:
            raise ConnectionError("node down")
        owners, threshold = self.vaults[vault]
        return list(owners), threshold


@dataclass
class World:
    profile: Profile
    chain: Chain
    keys: FakeKeys

    @property
    def db(self) -> Path:
        return self.profile.paths.database_file

    @property
    def active_file(self) -> Path:
        return self.profile.paths.root / "policy" / "active.toml"

    def service(self) -> PolicyService:
        return PolicyService(store=PolicyStore(engine=self.profile.engine, chain_id=CHAIN_ID),
                             load_owners=self.chain.load_owners, chain_id=CHAIN_ID,
                             active_file=ActivePolicyFile(policy_file_path(self.profile.paths)), keys=self.keys)

    def sql(self, statement: str, *args: object) -> None:
        self.profile.engine.dispose()
        with sqlite3.connect(self.db) as conn:
            conn.execute(statement, args)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    profile = create_profile(tmp_path, ProfileConfig(name="desk", network="devnet", chain_id=CHAIN_ID))
    chain = Chain({VAULT: ([ALICE, BEN, CARMEN], 2), OTHER_VAULT: ([MALLORY], 1)})
    keys = FakeKeys({address_of(k): k for k in (ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY, DAVE_KEY)})
    yield World(profile, chain, keys)
    profile.close()


def test_the_migration_creates_the_policy_tables(world: World) -> None:
    assert SCHEMA_HEAD >= "0005_policies"
    with sqlite3.connect(world.db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"policies", "policy_approvals"} <= tables
    assert "policies_one_active" in indexes


def test_no_policy_means_every_transaction_is_denied(world: World) -> None:
    with pytest.raises(NoActivePolicy, match="every transaction is denied"):
        world.service().active(T0)


# -- policy texts -------------------------------------------------------------------------------------------------
HKDH = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@dataclass(frozen=True)
class Terms:
    version: int = 1
    limit: str = "50000.00"
    contacts: tuple[tuple[str, str], ...] = (("Kowloon Pension Trust", COUNTERPARTY),)
    vault: str = VAULT
    quorum: int = 2
    delay_hours: int = 48
    name: str = "Harbour test policy"
    chain_id: int = CHAIN_ID
    roles: tuple[str, ...] = ()


def policy_text(terms: Terms = Terms(), **changes: object) -> str:
    from dataclasses import replace

    t = replace(terms, **changes)  # type: ignore[arg-type]
    contacts = "".join(
        f'\n[[contacts]]\nlabel = "{label}"\naddress = "{address}"\nkind = "investor"\nadded = 2025-01-06T00:00:00Z\n'
        for label, address in t.contacts)
    roles = f"roles = [{', '.join(repr(r) for r in t.roles)}]\n".replace("'", '"') if t.roles else ""
    return f"""[policy]
version = {t.version}
name = "{t.name}"
chain_id = {t.chain_id}
timezone = "Asia/Hong_Kong"
loosening_delay_hours = {t.delay_hours}

[governance]
vault = "{t.vault}"
quorum = {t.quorum}
delay_hours = 48
{roles}
[[roles]]
name = "compliance-officer"
members = ["{CARMEN}"]
{contacts}
[[assets]]
symbol = "HKDH"
address = "{HKDH}"
decimals = 6

[[rules]]
id = "small-hkdh-to-investors"
action = "allow"
when = {{ assets = ["HKDH"], kinds = ["transfer"], destinations = "contacts:investor", max_amount = "{t.limit}" }}
approvals = 2
"""


V1 = policy_text()
HOUR = timedelta(hours=1)


def install_v1(world: World, at: datetime = T0) -> PolicyService:
    service = world.service()
    draft = service.propose(V1, ALICE, PASSWORD, now=at)
    assert draft.state == "proposed"
    assert service.approve(draft.digest, BEN, PASSWORD, now=at).state == "active"
    return service


def row(world: World, digest: str) -> dict[str, object]:
    world.profile.engine.dispose()
    with sqlite3.connect(world.db) as conn:
        conn.row_factory = sqlite3.Row
        found = conn.execute("SELECT * FROM policies WHERE digest = ?", (digest,)).fetchone()
    return dict(found)


def approval_rows(world: World, digest: str) -> list[dict[str, object]]:
    world.profile.engine.dispose()
    with sqlite3.connect(world.db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM policy_approvals WHERE digest = ?", (digest,))]


def insert_approval(world: World, digest: str, signer: str, signature: bytes, signed_at: datetime) -> None:
    world.sql("INSERT INTO policy_approvals (chain_id, digest, signer, signature, signed_at) VALUES (?, ?, ?, ?, ?)",
              CHAIN_ID, digest, signer, "0x" + signature.hex(), signed_at.strftime("%Y-%m-%d %H:%M:%S.%f"))


def approval_vote(digest: str, version: int, previous: str | None, signed_at: datetime, *, chain_id: int = CHAIN_ID,
                  vault: str = VAULT) -> PolicyVote:
    return PolicyVote(PolicyAction.APPROVE, chain_id, vault, bytes.fromhex(digest[2:]), version,
                      bytes.fromhex(previous[2:]) if previous else ZERO_DIGEST, int(signed_at.timestamp()))


# -- the first policy ---------------------------------------------------------------------------------------------
def test_I6_the_first_policy_needs_the_governance_quorum(world: World) -> None:
    service = world.service()
    draft = service.propose(V1, ALICE, PASSWORD, now=T0)
    assert (draft.state, draft.required, draft.approved_by) == ("proposed", 2, (ALICE,))  # the proposer counts
    assert draft.governance_vault == VAULT and draft.supersedes is None and draft.loosens is None
    with pytest.raises(NoActivePolicy, match="every transaction is denied"):
        service.active(T0)
    assert not world.active_file.exists()
    later = T0 + HOUR
    assert service.approve(draft.digest, BEN, PASSWORD, now=later).state == "active"  # first policy: no delay
    active = service.active(later)
    assert (active.version, active.digest, active.effective_since) == (1, draft.digest, later)
    assert set(active.approved_by) == {ALICE, BEN} and active.required == 2 and active.proposed_by == ALICE
    assert active.document.text == V1 and active.describe_rules()
    assert world.active_file.read_text() == V1
    assert world.keys.unlocked == {}  # each key was locked again after signing


def test_I6_the_proposer_counts_only_as_a_current_owner(world: World) -> None:
    service = world.service()
    draft = service.propose(V1, DAVE, PASSWORD, now=T0)
    assert draft.approved_by == () and row(world, draft.digest)["proposed_by"] == DAVE
    assert service.approve(draft.digest, ALICE, PASSWORD, now=T0).state == "proposed"
    assert service.approve(draft.digest, BEN, PASSWORD, now=T0).state == "active"


def test_I6_a_bad_policy_file_is_refused_and_the_active_policy_stays(world: World) -> None:
    service = install_v1(world)
    with pytest.raises(PolicyFileError, match="line"):
        service.propose(V1.replace("quorum = 2", "quorum = = 2").replace("version = 1", "version = 2"), ALICE,
                        PASSWORD, now=T0)
    with pytest.raises(PolicyFileError):
        service.propose(policy_text(version=2, contacts=(("Bad", COUNTERPARTY.lower().replace("d", "D", 1)),)),
                        ALICE, PASSWORD, now=T0)
    with pytest.raises(PolicyGovernanceError, match="above 1"):
        service.propose(policy_text(name="same version"), ALICE, PASSWORD, now=T0)
    with pytest.raises(PolicyGovernanceError, match="for chain 1;"):
        service.propose(policy_text(version=2, chain_id=1), ALICE, PASSWORD, now=T0)
    assert len(service.history()) == 1 and service.drafts(T0) == []
    assert service.active(T0).version == 1


def test_a_wrong_password_signs_and_records_nothing(world: World) -> None:
    service = world.service()
    with pytest.raises(WrongPassword):
        service.propose(V1, ALICE, "guess", now=T0)
    assert service.history() == []


def test_I6_the_governance_quorum_is_at_least_the_vault_threshold(world: World) -> None:
    world.chain.vaults[VAULT] = ([ALICE, BEN, CARMEN], 3)
    service = world.service()
    draft = service.propose(policy_text(quorum=1), ALICE, PASSWORD, now=T0)
    assert draft.required == 3
    assert service.approve(draft.digest, BEN, PASSWORD, now=T0).state == "proposed"
    assert service.approve(draft.digest, CARMEN, PASSWORD, now=T0).state == "active"


def test_I6_governance_roles_must_be_among_the_approvers(world: World) -> None:
    service = world.service()
    draft = service.propose(policy_text(roles=("compliance-officer",)), ALICE, PASSWORD, now=T0)
    after_ben = service.approve(draft.digest, BEN, PASSWORD, now=T0)
    assert after_ben.state == "proposed" and len(after_ben.approved_by) == 2  # two owners, but no compliance officer
    assert service.approve(draft.digest, CARMEN, PASSWORD, now=T0 + HOUR).state == "active"
    assert service.active(T0 + HOUR).quorum_reached_at == T0 + HOUR


# -- loosening and tightening ---------------------------------------------------------------------------------------
def test_I6_loosening_waits_for_quorum_and_delay(world: World) -> None:
    service = install_v1(world)
    t1 = T0 + timedelta(days=1)
    looser = policy_text(version=2, limit="250000.00")
    draft = service.propose(looser, ALICE, PASSWORD, now=t1)
    assert any(c.direction == "loosens" for c in service.compare(draft.digest))
    assert service.active(t1 + 60 * HOUR).version == 1  # one signature is not the quorum, however long it waits
    quorum_at = t1 + HOUR
    waiting = service.approve(draft.digest, BEN, PASSWORD, now=quorum_at)
    assert (waiting.state, waiting.loosens) == ("approved", True)
    assert waiting.effective_at == quorum_at + 48 * HOUR  # the active policy's loosening delay
    assert service.active(quorum_at + 48 * HOUR - timedelta(seconds=1)).version == 1
    assert world.active_file.read_text() == V1
    assert [d.digest for d in service.drafts(quorum_at)] == [draft.digest]
    active = service.active(quorum_at + 48 * HOUR)
    assert (active.version, active.loosened, active.effective_since) == (2, True, quorum_at + 48 * HOUR)
    assert world.active_file.read_text() == looser
    states = {e.record.version: e.record.state for e in service.history()}
    assert states == {1: "superseded", 2: "active"}
    assert service.drafts(quorum_at + 48 * HOUR) == []


def test_I6_tightening_is_immediate(world: World) -> None:
    service = install_v1(world)
    t1 = T0 + 5 * HOUR
    tighter = policy_text(version=2, limit="10000.00")
    draft = service.propose(tighter, BEN, PASSWORD, now=t1)
    assert not any(c.direction == "loosens" for c in service.compare(draft.digest))
    assert service.active(t1).version == 1
    assert service.approve(draft.digest, CARMEN, PASSWORD, now=t1).state == "active"
    active = service.active(t1)
    assert (active.version, active.loosened, active.effective_since) == (2, False, t1)
    assert set(active.approved_by) == {BEN, CARMEN} and world.active_file.read_text() == tighter


def test_B6_contact_add_waits_removal_immediate(world: World) -> None:
    service = install_v1(world)
    two = (("Kowloon Pension Trust", COUNTERPARTY), ("New Counterparty", NEW_COUNTERPARTY))
    added = service.propose(policy_text(version=2, contacts=two), ALICE, PASSWORD, now=T0)
    changes = service.compare(added.digest)
    assert any(c.direction == "loosens" and NEW_COUNTERPARTY in c.text for c in changes)
    assert service.approve(added.digest, BEN, PASSWORD, now=T0).state == "approved"
    assert service.active(T0 + 47 * HOUR).version == 1
    assert service.active(T0 + 48 * HOUR).version == 2
    removed = service.propose(policy_text(version=3, contacts=two[1:]), BEN, PASSWORD, now=T0 + 50 * HOUR)
    assert [c.direction for c in service.compare(removed.digest) if COUNTERPARTY in c.text] == ["tightens"]
    assert service.approve(removed.digest, CARMEN, PASSWORD, now=T0 + 50 * HOUR).state == "active"
    assert service.active(T0 + 50 * HOUR).version == 3


def test_I6_an_owner_can_stop_a_loosening_change_during_its_cooling_off(world: World) -> None:
    service = install_v1(world)
    draft = service.propose(policy_text(version=2, limit="999999.00"), ALICE, PASSWORD, now=T0)
    service.approve(draft.digest, BEN, PASSWORD, now=T0)
    rejected = service.reject(draft.digest, CARMEN, PASSWORD, reason="not agreed by the board", now=T0 + HOUR)
    assert rejected.state == "rejected"
    stored = row(world, draft.digest)
    assert stored["closed_by"] == CARMEN and "not agreed by the board" in str(stored["closed_reason"])
    assert service.active(T0 + 100 * HOUR).version == 1
    with pytest.raises(PolicyGovernanceError, match="rejected"):
        service.approve(draft.digest, CARMEN, PASSWORD, now=T0 + 2 * HOUR)
    other = service.propose(policy_text(version=2, limit="60000.00"), ALICE, PASSWORD, now=T0)
    with pytest.raises(PolicyGovernanceError, match="neither the proposer nor an owner"):
        service.reject(other.digest, MALLORY, PASSWORD, now=T0)
    assert service.reject(other.digest, ALICE, PASSWORD, now=T0).state == "rejected"  # the proposer withdraws


def test_I6_a_tightening_during_a_cooling_off_closes_the_waiting_loosening(world: World) -> None:
    service = install_v1(world)
    looser = service.propose(policy_text(version=2, limit="999999.00"), ALICE, PASSWORD, now=T0)
    service.approve(looser.digest, BEN, PASSWORD, now=T0)
    tighter = service.propose(policy_text(version=3, limit="1000.00"), BEN, PASSWORD, now=T0 + HOUR)
    assert service.approve(tighter.digest, CARMEN, PASSWORD, now=T0 + HOUR).state == "active"
    stale = row(world, looser.digest)
    assert stale["state"] == "rejected" and "stale" in str(stale["closed_reason"])
    assert service.active(T0 + 100 * HOUR).version == 3  # the loosening never undoes the tightening


def test_I6_a_change_is_approved_by_the_active_governance_not_its_own(world: World) -> None:
    service = install_v1(world)
    takeover = policy_text(version=2, vault=OTHER_VAULT, quorum=1)  # Mallory alone would govern
    draft = service.propose(takeover, MALLORY, PASSWORD, now=T0)
    assert draft.governance_vault == VAULT and draft.approved_by == ()
    with pytest.raises(PolicyGovernanceError, match="not a current owner"):
        service.approve(draft.digest, MALLORY, PASSWORD, now=T0)
    assert any("governance vault" in c.text and c.direction == "loosens" for c in service.compare(draft.digest))
    service.approve(draft.digest, ALICE, PASSWORD, now=T0)
    assert service.approve(draft.digest, BEN, PASSWORD, now=T0).state == "approved"  # loosens: waits
    assert service.active(T0 + 48 * HOUR).governance_vault == VAULT  # approved by VAULT's owners
    next_change = service.propose(policy_text(version=3, vault=OTHER_VAULT, quorum=1, limit="1.00"), MALLORY,
                                  PASSWORD, now=T0 + 49 * HOUR)
    assert next_change.state == "active"  # from now on OTHER_VAULT governs, as its quorum approved


# -- tampering ----------------------------------------------------------------------------------------------------
def test_I6_direct_db_edit_fails_closed(world: World) -> None:
    service = install_v1(world)
    digest = service.active(T0).digest
    world.sql("UPDATE policies SET text = replace(text, '50000.00', '5000000.00') WHERE digest = ?", digest)
    with pytest.raises(PolicyTampered, match="edited in the database"):
        service.active(T0)
    # the attacker also rewrites the digest (here and in the approvals): the signatures no longer match
    edited = str(row(world, digest)["text"])
    new_digest = "0x" + keccak(edited.encode()).hex()
    world.sql("UPDATE policies SET digest = ? WHERE digest = ?", new_digest, digest)
    world.sql("UPDATE policy_approvals SET digest = ? WHERE digest = ?", new_digest, digest)
    with pytest.raises(PolicyTampered, match="not its signer's") as caught:
        service.active(T0)
    assert "every transaction is denied" in caught.value.user_message


def test_J6_a_forged_approval_from_a_non_owner_never_counts(world: World) -> None:
    service = world.service()
    draft = service.propose(V1, ALICE, PASSWORD, now=T0)
    with pytest.raises(PolicyGovernanceError, match="not a current owner"):
        service.approve(draft.digest, MALLORY, PASSWORD, now=T0)
    # a row inserted directly, validly signed by a key that is no owner: listed, not counted
    signature = sign_vote(MALLORY_KEY, approval_vote(draft.digest, 1, None, T0))
    insert_approval(world, draft.digest, MALLORY, signature, T0)
    view = service.drafts(T0)[0]
    assert view.approved_by == (ALICE,) and view.state == "proposed"
    assert [(a.signer, a.problem) for a in view.approvals if not a.counted] == [
        (MALLORY, f"not a current owner of {VAULT}")]
    with pytest.raises(NoActivePolicy):
        service.active(T0)


def test_J2_an_approval_copied_from_another_policy_fails_closed(world: World) -> None:
    service = install_v1(world)
    v1 = service.active(T0).digest
    draft = service.propose(policy_text(version=2, limit="100.00"), ALICE, PASSWORD, now=T0)
    copy = ("INSERT INTO policy_approvals SELECT chain_id, ?, signer, signature, signed_at FROM policy_approvals "
            "WHERE digest = ? AND signer = ?")
    world.sql(copy, draft.digest, v1, BEN)  # Ben approved version 1, never version 2
    view = service.drafts(T0)[0]
    assert view.approved_by == (ALICE,) and "copied or edited" in view.problems[0]
    with pytest.raises(PolicyTampered, match="do not verify"):
        service.approve(draft.digest, CARMEN, PASSWORD, now=T0)
    assert service.active(T0).version == 1
    # the same copy into the policy in force: fail closed, although Alice and Carmen alone make the quorum
    world.sql("DELETE FROM policy_approvals WHERE digest = ? AND signer = ?", draft.digest, BEN)
    assert service.approve(draft.digest, CARMEN, PASSWORD, now=T0).state == "active"
    world.sql(copy, draft.digest, v1, BEN)
    with pytest.raises(PolicyTampered, match=f"approval row of {BEN}"):
        service.active(T0)


def test_J1_a_duplicate_signer_counts_once(world: World) -> None:
    service = world.service()
    draft = service.propose(V1, ALICE, PASSWORD, now=T0)
    assert service.approve(draft.digest, ALICE, PASSWORD, now=T0).approved_by == (ALICE,)
    alice = next(a for a in approval_rows(world, draft.digest))
    insert_approval(world, draft.digest, ALICE.lower(), bytes.fromhex(str(alice["signature"])[2:]), T0)
    view = service.drafts(T0)[0]
    assert (view.state, view.approved_by) == ("proposed", (ALICE,))
    assert [a.problem for a in view.approvals if not a.counted] == ["a second approval by the same owner"]


def test_C6_a_malleated_high_s_signature_is_refused(world: World) -> None:
    service = world.service()
    draft = service.propose(V1, ALICE, PASSWORD, now=T0)
    good = sign_vote(BEN_KEY, approval_vote(draft.digest, 1, None, T0))
    with pytest.raises(InvalidPolicySignature, match="high s"):
        service.submit_approval(draft.digest, BEN, malleate(good), T0, now=T0)
    assert service.drafts(T0)[0].approved_by == (ALICE,)
    assert service.submit_approval(draft.digest, BEN, good, T0, now=T0).state == "active"
    world.sql("UPDATE policy_approvals SET signature = ? WHERE signer = ?", "0x" + malleate(good).hex(), BEN)
    with pytest.raises(PolicyTampered, match="high s"):
        service.active(T0)


def test_C1_a_signature_for_the_wrong_chain_id_is_refused(world: World) -> None:
    service = world.service()
    draft = service.propose(V1, ALICE, PASSWORD, now=T0)
    other_chain = sign_vote(BEN_KEY, approval_vote(draft.digest, 1, None, T0, chain_id=1))
    with pytest.raises(InvalidPolicySignature, match="not 0x"):
        service.submit_approval(draft.digest, BEN, other_chain, T0, now=T0)
    other_vault = sign_vote(BEN_KEY, approval_vote(draft.digest, 1, None, T0, vault=OTHER_VAULT))
    with pytest.raises(InvalidPolicySignature):
        service.submit_approval(draft.digest, BEN, other_vault, T0, now=T0)
    typed = service.build_approval_typed_data(draft.digest, T0)
    assert typed["domain"] == {"name": "Custos Policy", "version": "1", "chainId": CHAIN_ID,
                               "verifyingContract": VAULT}
    signed = Account.sign_message(encode_typed_data(full_message=typed), BEN_KEY)  # an external EIP-712 signer
    assert service.submit_approval(draft.digest, BEN, low_s(signed.r, signed.s, signed.v), T0, now=T0).state == "active"


def test_A14_owner_removed_quorum_lost_fails_closed(world: World) -> None:
    service = install_v1(world)
    world.chain.vaults[VAULT] = ([ALICE, CARMEN], 2)  # Ben is removed from the vault on chain
    with pytest.raises(PolicyTampered, match="quorum no longer holds") as caught:
        service.active(T0 + HOUR)
    assert BEN in caught.value.user_message and "not a current owner" in caught.value.user_message
    # the way back: the remaining owners re-issue the same rules as a new version; it loosens nothing, so at once
    reissue = service.propose(policy_text(version=2), ALICE, PASSWORD, now=T0 + 2 * HOUR)
    assert service.approve(reissue.digest, CARMEN, PASSWORD, now=T0 + 2 * HOUR).state == "active"
    assert service.active(T0 + 2 * HOUR).approved_by == (ALICE, CARMEN)


def test_I6_the_cooling_off_cannot_be_skipped_in_the_database(world: World) -> None:
    service = install_v1(world)
    v1 = service.active(T0).digest
    draft = service.propose(policy_text(version=2, limit="999999.00"), ALICE, PASSWORD, now=T0)
    service.approve(draft.digest, BEN, PASSWORD, now=T0)
    world.sql("UPDATE policies SET state = 'superseded' WHERE digest = ?", v1)
    world.sql("UPDATE policies SET state = 'active' WHERE digest = ?", draft.digest)
    with pytest.raises(PolicyTampered, match="before its effective time"):
        service.active(T0 + HOUR)
    world.sql("UPDATE policies SET effective_at = ? WHERE digest = ?", "2026-03-02 09:00:00.000000", draft.digest)
    with pytest.raises(PolicyTampered, match="before its signatures allow"):
        service.active(T0 + HOUR)
    world.sql("UPDATE policy_approvals SET signed_at = ? WHERE digest = ?", "2026-02-01 09:00:00.000000",
              draft.digest)  # and backdating the signatures breaks them
    with pytest.raises(PolicyTampered, match="not its signer's"):
        service.active(T0 + HOUR)


def test_I6_a_rollback_to_an_older_policy_is_detected(world: World) -> None:
    service = install_v1(world)
    v1 = service.active(T0).digest
    v2 = service.propose(policy_text(version=2, limit="10.00"), ALICE, PASSWORD, now=T0 + HOUR)
    service.approve(v2.digest, BEN, PASSWORD, now=T0 + HOUR)
    world.sql("UPDATE policies SET state = 'superseded' WHERE digest = ?", v2.digest)
    world.sql("UPDATE policies SET state = 'active' WHERE digest = ?", v1)
    with pytest.raises(PolicyTampered, match="rollback"):
        service.active(T0 + 2 * HOUR)


def test_an_unreadable_row_fails_closed(world: World) -> None:
    service = install_v1(world)
    world.sql("UPDATE policy_approvals SET signed_at = 'not a date'")
    with pytest.raises(PolicyTampered, match="cannot be read"):
        service.active(T0)


def test_deleted_policy_rows_are_detected_by_the_on_disk_copy(world: World) -> None:
    service = install_v1(world)
    world.sql("DELETE FROM policies")
    with pytest.raises(PolicyTampered, match="rows may have been deleted"):
        service.active(T0)


def test_I6_an_edited_active_toml_is_detected(world: World) -> None:
    service = install_v1(world)
    world.active_file.write_text(V1.replace("50000.00", "5000000.00"))
    with pytest.raises(PolicyTampered, match="edited outside Custos"):
        service.active(T0)
    restored = service.restore_active_file(T0)
    assert world.active_file.read_text() == V1 and service.active(T0).version == restored.version == 1
    world.active_file.unlink()  # a missing copy (crash before the write) is written again
    assert service.active(T0).notes and world.active_file.read_text() == V1


def test_a_crash_before_the_file_write_is_repaired_not_reported(world: World) -> None:
    service = install_v1(world)
    v2_text = policy_text(version=2, limit="10.00")
    v2 = service.propose(v2_text, ALICE, PASSWORD, now=T0)
    service.approve(v2.digest, BEN, PASSWORD, now=T0)
    world.active_file.write_text(V1)  # as if the process died between the commit and the file write
    notes = service.active(T0).notes
    assert notes and "version 1" in notes[0] and world.active_file.read_text() == v2_text


def test_unreadable_owners_fail_closed(world: World) -> None:
    service = install_v1(world)
    world.chain.down = True
    with pytest.raises(PolicyUnverifiable, match="could not be read") as caught:
        service.active(T0)
    assert isinstance(caught.value, PolicyNotInForce)


def test_a_draft_proposed_against_an_older_policy_cannot_be_approved(world: World) -> None:
    service = install_v1(world)
    a = service.propose(policy_text(version=2, limit="10.00"), ALICE, PASSWORD, now=T0)
    b = service.propose(policy_text(version=2, limit="20.00"), ALICE, PASSWORD, now=T0)
    assert service.approve(a.digest, BEN, PASSWORD, now=T0).state == "active"
    assert row(world, b.digest)["state"] == "rejected"
    with pytest.raises(PolicyGovernanceError, match="rejected"):
        service.approve(b.digest, BEN, PASSWORD, now=T0)


def test_history_lists_every_version_newest_first(world: World) -> None:
    service = install_v1(world)
    v2 = service.propose(policy_text(version=2, limit="10.00"), ALICE, PASSWORD, now=T0 + HOUR)
    entries = service.history()
    assert [(e.record.version, e.record.state, e.text_intact) for e in entries] == [
        (2, "proposed", True), (1, "active", True)]
    assert entries[0].record.digest == v2.digest
