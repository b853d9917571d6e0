"""The policy bundle (SECURITY I6, K5): the governed policy carried from an online desktop to an offline signer, and
accepted there only with the signatures of the quorum its officer anchored; anything else is refused with the
record and the reason, and nothing changes. Owners come from a fake `load_owners` online and from anchored rows
offline; a fixed clock throughout (the CLI test excepted)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from wallet_app.audit.log import AuditLog
from wallet_app.audit.profile_log import build_audit_log
from wallet_app.cli import main
from wallet_app.config import ProfileConfig
from wallet_app.errors import WrongPassword
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.signer import KeyKind
from wallet_app.keys.views import KeyView
from wallet_app.policy.bundle import FORMAT, MAX_BUNDLE_BYTES, PolicyBundleError
from wallet_app.policy.bundle_export import ExportedBundle, build_export, export_bundle
from wallet_app.policy.bundle_import import ImportedBundle, PolicySite, import_bundle, load_bundle_file
from wallet_app.policy.checker_setup import policy_directory
from wallet_app.policy.governance import NoActivePolicy, PolicyTampered
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.service import PolicyService
from wallet_app.policy.service_setup import install_signed_policy, policy_file_path
from wallet_app.profiles import Profile, create_profile, open_profile
from wallet_app.vaults.anchors import AnchorStore, vault_facts

CHAIN_ID = 177
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PASSWORD = "correct horse battery"
ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY = (bytes([n]) * 32 for n in (0x11, 0x22, 0x33, 0x44))
ALICE, BEN, CARMEN, MALLORY = (str(Account.from_key(k).address) for k in (ALICE_KEY, BEN_KEY, CARMEN_KEY, MALLORY_KEY))
KEYS = {ALICE: ALICE_KEY, BEN: BEN_KEY, CARMEN: CARMEN_KEY, MALLORY: MALLORY_KEY}
VAULT = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
COUNTERPARTY = "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"
HKDH = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SANCTIONED = "0x000000000000000000000000000000000000dEaD"


def policy_text(version: int = 1, limit: str = "50000.00", *, denylist: str | None = None,
                chain_id: int = CHAIN_ID, name: str = "Harbour test policy") -> str:
    deny = f'\n[denylist]\nfile = "{denylist}"\n' if denylist else ""
    return f"""[policy]
version = {version}
name = "{name}"
chain_id = {chain_id}
timezone = "Asia/Hong_Kong"
loosening_delay_hours = 48

[governance]
vault = "{VAULT}"
quorum = 2
delay_hours = 48
{deny}
[[contacts]]
label = "Kowloon Pension Trust"
address = "{COUNTERPARTY}"
kind = "investor"
added = 2025-01-06T00:00:00Z

[[assets]]
symbol = "HKDH"
address = "{HKDH}"
decimals = 6

[[rules]]
id = "small-hkdh-to-investors"
action = "allow"
when = {{ assets = ["HKDH"], kinds = ["transfer"], destinations = "contacts:investor", max_amount = "{limit}" }}
approvals = 2
"""


def signer(address: str) -> KeystoreSigner:
    return KeystoreSigner(address=address, private_key=KEYS[address])


@dataclass
class FakeKeys:
    """The signing surface of `KeyService` the policy service uses to reject a change, over real keys."""

    unlocked: dict[str, KeystoreSigner] = field(default_factory=dict)

    def load_keys(self) -> list[KeyView]:
        return [KeyView(a, KeyKind.KEYSTORE, a[:8], a in self.unlocked, False, ()) for a in KEYS]

    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None:
        if secret != PASSWORD:
            raise WrongPassword("wrong password")
        self.unlocked[address] = signer(address)

    def signer(self, address: str) -> KeystoreSigner:
        return self.unlocked[address]

    def lock(self, address: str) -> None:
        self.unlocked.pop(address, None)


@dataclass
class Desk:
    """The online desktop: its profile and the owners its chain reports."""

    profile: Profile
    owners: dict[str, tuple[list[str], int]]

    def load_owners(self, vault: str) -> tuple[list[str], int]:
        return self.owners[vault]

    def service(self) -> PolicyService:
        return PolicyService(store=PolicyStore(engine=self.profile.engine, chain_id=CHAIN_ID),
                             load_owners=self.load_owners, chain_id=CHAIN_ID,
                             active_file=ActivePolicyFile(policy_file_path(self.profile.paths)), keys=FakeKeys())

    def install(self, text: str = policy_text(), at: datetime = T0) -> None:
        install_signed_policy(self.profile, text, [signer(ALICE), signer(BEN)], load_owners=self.load_owners, now=at)

    def change(self, text: str, at: datetime, by: tuple[str, ...] = (ALICE, BEN)) -> str:
        service = self.service()
        draft = service.propose_with(text, signer(by[0]), now=at)
        for who in by[1:]:
            draft = service.approve_with(draft.digest, signer(who), now=at)
        return draft.digest

    @property
    def policy_dir(self) -> Path:
        return policy_directory(self.profile.paths)

    def export(self, at: datetime) -> ExportedBundle:
        return build_export(store=PolicyStore(engine=self.profile.engine, chain_id=CHAIN_ID), service=self.service(),
                            policy_dir=self.policy_dir, now=at)


@dataclass
class OfflineSigner:
    profile: Profile

    def anchor(self, owners: tuple[str, ...] = (ALICE, BEN, CARMEN), threshold: int = 2,
               vault: str = VAULT) -> None:
        AnchorStore(engine=self.profile.engine, chain_id=self.profile.config.chain_id).anchor(
            vault_facts(self.profile.config.chain_id, vault, "1.4.1", owners, threshold, "Treasury"), how="typed")

    def site(self) -> PolicySite:
        chain_id = self.profile.config.chain_id
        return PolicySite(engine=self.profile.engine, chain_id=chain_id,
                          load_owners=AnchorStore(engine=self.profile.engine, chain_id=chain_id).owner_reader(),
                          active_file=ActivePolicyFile(policy_file_path(self.profile.paths)),
                          policy_dir=policy_directory(self.profile.paths), audit=build_audit_log(self.profile))

    def load(self, raw: bytes, at: datetime) -> ImportedBundle:
        return import_bundle(raw, site=self.site(), now=at)

    def snapshot(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int, str | None]:
        """Everything an import may change: the policy rows, approvals, audit entries and the on-disk copy."""
        self.profile.engine.dispose()
        with sqlite3.connect(self.profile.paths.database_file) as conn:
            rows = conn.execute("SELECT * FROM policies ORDER BY digest").fetchall()
            approvals = conn.execute("SELECT * FROM policy_approvals ORDER BY digest, signer").fetchall()
            entries = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        path = policy_file_path(self.profile.paths)
        return rows, approvals, entries, path.read_text(encoding="utf-8") if path.exists() else None


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    profile = create_profile(tmp_path / "online", ProfileConfig(name="desk", network="devnet", chain_id=CHAIN_ID))
    yield Desk(profile, {VAULT: ([ALICE, BEN, CARMEN], 2)})
    profile.close()


def make_offline(home: Path, chain_id: int = CHAIN_ID) -> OfflineSigner:
    return OfflineSigner(create_profile(home, ProfileConfig(name="signer", network="devnet", chain_id=chain_id,
                                                            offline=True)))


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[OfflineSigner]:
    signer_ = make_offline(tmp_path / "offline")
    yield signer_
    signer_.profile.close()


def edited(raw: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    document = json.loads(raw)
    change(document)
    return json.dumps(document).encode("utf-8")


def refused(offline: OfflineSigner, raw: bytes, match: str, at: datetime) -> PolicyBundleError:
    """The import is refused with `match` in its message, and nothing at all changed."""
    before = offline.snapshot()
    with pytest.raises(PolicyBundleError, match=match) as caught:
        offline.load(raw, at)
    assert offline.snapshot() == before
    assert caught.value.code == "policy_bundle" and "\n" not in caught.value.user_message
    return caught.value


# -- the round trip ----------------------------------------------------------------------------------------------
def test_I6_the_offline_signer_puts_in_force_the_policy_in_force_online(desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    desk.change(policy_text(2, limit="10.00"), T0 + HOUR)  # a tightening: in force at its quorum
    at = T0 + 3 * HOUR
    exported = desk.export(at)
    online = desk.service().active(at)
    assert exported.versions == (1, 2) and exported.data == export_bundle(
        store=PolicyStore(engine=desk.profile.engine, chain_id=CHAIN_ID), service=desk.service(),
        policy_dir=desk.policy_dir, now=at)
    document = json.loads(exported.data)
    assert document["format"] == FORMAT and document["chain_id"] == CHAIN_ID
    assert [p["state"] for p in document["policies"]] == ["superseded", "active"]
    assert document["policies"][1]["supersedes"] == document["policies"][0]["digest"]
    assert {a["signer"] for a in document["policies"][1]["approvals"]} == {ALICE, BEN}
    offline.anchor()
    result = offline.load(exported.data, at)
    assert (result.active.digest, result.active.version) == (online.digest, 2)
    assert set(result.active.approved_by) == {ALICE, BEN} and result.active.governance_vault == VAULT
    assert [w.split(":")[0] for w in result.written] == [f"version {v} ({p['digest']})"
                                                         for v, p in zip((1, 2), document["policies"], strict=True)]
    assert offline.site().build_service().active(at + HOUR).digest == online.digest
    assert policy_file_path(offline.profile.paths).read_text(encoding="utf-8") == policy_text(2, limit="10.00")
    entries = build_audit_log(offline.profile).load_entries()
    assert [e.action for e in reversed(entries)] == ["policy_propose", "policy_approve", "policy_active"] * 2


def test_importing_the_same_bundle_twice_changes_nothing(desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    raw = desk.export(T0 + HOUR).data
    offline.anchor()
    first = offline.load(raw, T0 + HOUR)
    before = offline.snapshot()
    again = offline.load(raw, T0 + 2 * HOUR)
    assert again.written == () and again.active.digest == first.active.digest
    assert offline.snapshot() == before


def test_a_later_bundle_continues_the_history_and_an_older_one_is_refused(desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    old = desk.export(T0 + HOUR).data
    offline.anchor()
    offline.load(old, T0 + HOUR)
    v2 = desk.change(policy_text(2, limit="10.00"), T0 + 2 * HOUR)
    new = desk.export(T0 + 3 * HOUR).data
    result = offline.load(new, T0 + 3 * HOUR)
    assert result.active.digest == v2 and len(result.written) == 1 and result.written[0].startswith("version 2")
    refused(offline, old, "older than version 2 .* in force here; a bundle never brings an older policy back",
            T0 + 4 * HOUR)


def test_a_bundle_from_another_history_is_refused(desk: Desk, offline: OfflineSigner, tmp_path: Path) -> None:
    desk.install()
    offline.anchor()
    offline.load(desk.export(T0 + HOUR).data, T0 + HOUR)
    other = Desk(create_profile(tmp_path / "other", ProfileConfig(name="desk", network="devnet", chain_id=CHAIN_ID)),
                 desk.owners)
    try:
        other.install(policy_text(1, name="Another desk's policy"))
        other.change(policy_text(2, name="Another desk's policy", limit="10.00"), T0 + HOUR)
        raw = other.export(T0 + 2 * HOUR).data
    finally:
        other.profile.close()
    refused(offline, raw, "does not contain version 1 .* the policy in force here, so it does not continue",
            T0 + 2 * HOUR)


def test_I6_a_loosening_change_in_its_cooling_off_comes_into_force_only_when_due(
        desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    quorum_at = T0 + HOUR
    v2 = desk.change(policy_text(2, limit="90000.00"), quorum_at)  # loosens: waits 48 hours
    exported = desk.export(quorum_at + HOUR)
    assert [e.record.version for e in exported.bundle.pending] == [2]
    offline.anchor()
    result = offline.load(exported.data, quorum_at + HOUR)
    assert result.active.version == 1 and [d.digest for d in result.waiting] == [v2]
    assert result.waiting[0].effective_at == quorum_at + 48 * HOUR
    service = offline.site().build_service()
    assert service.active(quorum_at + 48 * HOUR - timedelta(seconds=1)).version == 1
    assert service.active(quorum_at + 48 * HOUR).digest == v2
    assert policy_file_path(offline.profile.paths).read_text(encoding="utf-8") == policy_text(2, limit="90000.00")


def test_a_change_rejected_online_during_its_cooling_off_never_comes_into_force_offline(
        desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    v2 = desk.change(policy_text(2, limit="90000.00"), T0 + HOUR)
    offline.anchor()
    offline.load(desk.export(T0 + 2 * HOUR).data, T0 + 2 * HOUR)
    desk.service().reject(v2, CARMEN, PASSWORD, reason="too loose", now=T0 + 3 * HOUR)
    exported = desk.export(T0 + 4 * HOUR)
    assert [e.record.digest for e in exported.bundle.rejected] == [v2] and not exported.bundle.pending
    result = offline.load(exported.data, T0 + 4 * HOUR)
    assert result.written == (f"version 2 ({v2}): closed, rejected by {CARMEN}",) and result.waiting == ()
    assert offline.site().build_service().active(T0 + 100 * HOUR).version == 1


def test_a_waiting_change_that_came_into_force_here_first_makes_the_same_bundle_nothing_new(
        desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    v2 = desk.change(policy_text(2, limit="90000.00"), T0 + HOUR)
    raw = desk.export(T0 + 2 * HOUR).data
    offline.anchor()
    offline.load(raw, T0 + 2 * HOUR)
    assert offline.site().build_service().active(T0 + 50 * HOUR).digest == v2  # promoted here
    again = offline.load(raw, T0 + 51 * HOUR)
    assert again.written == () and again.active.digest == v2


# -- export refuses a policy that is not in force -------------------------------------------------------------
def test_nothing_is_exported_without_a_policy_in_force(desk: Desk) -> None:
    with pytest.raises(NoActivePolicy):
        desk.export(T0)
    desk.install()
    desk.owners[VAULT] = ([ALICE, CARMEN], 2)  # Ben is no longer an owner: the quorum no longer holds online
    with pytest.raises(PolicyTampered, match="quorum no longer holds"):
        desk.export(T0 + HOUR)


# -- tampering: each refused with the record and the reason, and nothing changes --------------------------------
@pytest.fixture
def two_versions(desk: Desk, offline: OfflineSigner) -> bytes:
    """A bundle of version 1 and the tightening version 2 in force, and the offline signer with the vault anchored."""
    desk.install()
    desk.change(policy_text(2, limit="10.00"), T0 + HOUR)
    offline.anchor()
    return desk.export(T0 + 2 * HOUR).data


AT = T0 + 2 * HOUR


def in_force(document: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = document["policies"][-1]
    return policy


def approval_of(document: dict[str, Any], who: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in in_force(document)["approvals"] if a["signer"] == who)
    return found


def flip_last_hex(signature: str) -> str:
    return signature[:-3] + ("0" if signature[-3] != "0" else "1") + signature[-2:]


def test_I6_a_forged_approval_signature_is_refused(two_versions: bytes, offline: OfflineSigner) -> None:
    def forge(d: dict[str, Any]) -> None:
        approval = approval_of(d, BEN)
        approval["signature"] = flip_last_hex(approval["signature"])

    refused(offline, edited(two_versions, forge), f"version 2 .*: the approval of {BEN} does not verify", AT)


def test_I6_signatures_swapped_between_signers_are_refused(two_versions: bytes, offline: OfflineSigner) -> None:
    def swap(d: dict[str, Any]) -> None:
        alice, ben = approval_of(d, ALICE), approval_of(d, BEN)
        alice["signer"], ben["signer"] = BEN, ALICE

    refused(offline, edited(two_versions, swap), "does not verify: its signature is not its signer's", AT)


def test_I6_a_signature_copied_from_another_version_is_refused(two_versions: bytes, offline: OfflineSigner) -> None:
    def copy(d: dict[str, Any]) -> None:
        old = next(a for a in d["policies"][0]["approvals"] if a["signer"] == BEN)
        approval_of(d, BEN).update(old)

    refused(offline, edited(two_versions, copy), f"the approval of {BEN} does not verify", AT)


def test_I6_a_missing_approval_leaves_the_policy_below_its_quorum(two_versions: bytes, offline: OfflineSigner) -> None:
    def drop(d: dict[str, Any]) -> None:
        in_force(d)["approvals"] = [a for a in in_force(d)["approvals"] if a["signer"] != BEN]

    refused(offline, edited(two_versions, drop), f"not approved by a quorum of the owners anchored for {VAULT}: 1 of "
                                                 "2 approvals", AT)


def test_I6_a_signer_not_among_the_anchored_owners_does_not_count(desk: Desk, tmp_path: Path) -> None:
    desk.install()
    raw = desk.export(T0 + HOUR).data
    elsewhere = make_offline(tmp_path / "elsewhere")
    try:
        elsewhere.anchor(owners=(ALICE, CARMEN, MALLORY))  # this officer anchored another owner set
        refused(elsewhere, raw, f"1 of 2 approvals .*; not counted: {BEN} \\(not a current owner of {VAULT}\\)",
                T0 + HOUR)
    finally:
        elsewhere.profile.close()


def test_I6_fewer_approvals_than_the_anchored_threshold_are_refused(desk: Desk, tmp_path: Path) -> None:
    desk.install()
    raw = desk.export(T0 + HOUR).data
    elsewhere = make_offline(tmp_path / "elsewhere")
    try:
        elsewhere.anchor(threshold=3)
        refused(elsewhere, raw, "2 of 3 approvals of current owners", T0 + HOUR)
    finally:
        elsewhere.profile.close()


def test_an_unanchored_governance_vault_is_refused(desk: Desk, tmp_path: Path) -> None:
    desk.install()
    raw = desk.export(T0 + HOUR).data
    elsewhere = make_offline(tmp_path / "elsewhere")
    try:
        refused(elsewhere, raw, f"its governance vault {VAULT} cannot be checked here: {VAULT} is not a vault this "
                                "offline signer knows: anchor it first", T0 + HOUR)
    finally:
        elsewhere.profile.close()


def test_C1_a_bundle_for_another_chain_is_refused(two_versions: bytes, offline: OfflineSigner, tmp_path: Path) -> None:
    refused(offline, edited(two_versions, lambda d: d.update(chain_id=1)), "it is for chain 1; this profile signs "
                                                                           "for chain 177", AT)
    other_chain = make_offline(tmp_path / "chain-1", chain_id=1)
    try:
        refused(other_chain, two_versions, "it is for chain 177; this profile signs for chain 1", AT)
    finally:
        other_chain.profile.close()


def test_I6_an_edited_policy_text_is_refused(two_versions: bytes, offline: OfflineSigner) -> None:
    def loosen(d: dict[str, Any]) -> None:
        in_force(d)["text"] = in_force(d)["text"].replace('"10.00"', '"10000000.00"')

    refused(offline, edited(two_versions, loosen), "version 2\\): its text does not hash to its digest", AT)

    def loosen_and_rehash(d: dict[str, Any]) -> None:
        from eth_hash.auto import keccak

        loosen(d)
        in_force(d)["digest"] = "0x" + keccak(in_force(d)["text"].encode()).hex()

    refused(offline, edited(two_versions, loosen_and_rehash), "the proposer's signature of version 2 is not", AT)


def test_reordered_or_incomplete_histories_are_refused(two_versions: bytes, offline: OfflineSigner) -> None:
    refused(offline, edited(two_versions, lambda d: d["policies"].reverse()), "comes first, yet replaces another "
                                                                              "policy", AT)
    refused(offline, edited(two_versions, lambda d: d["policies"].pop(0)), "comes first, yet replaces another", AT)
    refused(offline, edited(two_versions, lambda d: d.update(policies=[])), "it holds no policy in force", AT)


def test_I6_a_skipped_cooling_off_is_refused(desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    desk.change(policy_text(2, limit="90000.00"), T0 + HOUR)
    raw = desk.export(T0 + 2 * HOUR).data
    offline.anchor()

    def skip(d: dict[str, Any]) -> None:
        d["pending"][0]["effective_at"] = d["pending"][0]["quorum_reached_at"]

    refused(offline, edited(raw, skip), "version 2 .*: its recorded effective time 2026-03-02 10:00:00 UTC is before "
                                        "its signatures allow", T0 + 2 * HOUR)

    def promote(d: dict[str, Any]) -> None:  # present the waiting change as the one in force
        pending = d.pop("pending")[0]
        pending["state"] = "active"
        d["policies"][0]["state"], d["policies"][0]["closed_at"] = "superseded", pending["quorum_reached_at"]
        d["policies"].append(pending)
        d["pending"] = []

    refused(offline, edited(raw, promote), "it is marked in force before its effective time 2026-03-04 10:00:00 UTC "
                                           "\\(cooling-off skipped", T0 + 2 * HOUR)

    def promote_now(d: dict[str, Any]) -> None:
        promote(d)
        in_force(d)["effective_at"] = in_force(d)["quorum_reached_at"]

    refused(offline, edited(raw, promote_now), "its recorded effective time is before its signatures allow it "
                                               "\\(2026-03-04 10:00:00 UTC\\)", T0 + 2 * HOUR)


def test_a_forged_rejection_is_refused(desk: Desk, offline: OfflineSigner) -> None:
    desk.install()
    v2 = desk.change(policy_text(2, limit="90000.00"), T0 + HOUR)
    offline.anchor()
    offline.load(desk.export(T0 + 2 * HOUR).data, T0 + 2 * HOUR)
    desk.service().reject(v2, CARMEN, PASSWORD, now=T0 + 3 * HOUR)
    raw = desk.export(T0 + 4 * HOUR).data

    def forge(d: dict[str, Any]) -> None:
        d["rejected"][0]["closed_by"] = MALLORY

    refused(offline, edited(raw, forge), "version 2 .*: its rejection's signature is not", T0 + 4 * HOUR)


# -- strict reading (K5) ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "match"), [
    (b"\xff\xfe{}", "is not UTF-8 text"),
    (b"{\"format\": ", "is not valid JSON"),
    (b"[" * 100 + b"]" * 100, "nested 100 levels deep"),
    (b'{"format": "custos-policy-bundle/1", "format": "custos-policy-bundle/1"}', "appears twice in one object"),
    (b'{"chain_id": NaN}', "NaN is not JSON"),
    (b"[]", "the bundle must be a JSON object"),
])
def test_K5_a_file_that_is_not_a_bundle_is_refused(offline: OfflineSigner, raw: bytes, match: str) -> None:
    refused(offline, raw, match, AT)


def test_K5_a_file_larger_than_the_limit_is_refused_before_it_is_read(offline: OfflineSigner, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_BUNDLE_BYTES + 1))
    with pytest.raises(PolicyBundleError, match="larger than 4 MiB"):
        load_bundle_file(big)
    refused(offline, b" " * (MAX_BUNDLE_BYTES + 1), "Custos reads at most 4,194,304", AT)
    with pytest.raises(PolicyBundleError, match="cannot be read"):
        load_bundle_file(tmp_path / "missing.json")
    with pytest.raises(PolicyBundleError, match="is not a regular file"):
        load_bundle_file(tmp_path)


@pytest.mark.parametrize(("change", "match"), [
    (lambda d: d.update(format="custos-policy-bundle/2"), "is 'custos-policy-bundle/2', not custos-policy-bundle/1"),
    (lambda d: d.update(extra=1), "the bundle has unknown fields 'extra'"),
    (lambda d: d.pop("denylists"), "the bundle lacks denylists"),
    (lambda d: d.update(chain_id=True), "the bundle.chain_id must be a whole number"),
    (lambda d: in_force(d).update(version="2"), "policies\\[1\\].version must be a whole number"),
    (lambda d: in_force(d).update(proposed_at="2026-03-02T10:00:00"), "proposed_at must be a UTC time"),
    (lambda d: in_force(d).update(proposed_at="2026-03-02T10:00:00.5+00:00"), "a signed time: it must be whole"),
    (lambda d: in_force(d).update(proposed_by=in_force(d)["proposed_by"].lower()), "must be an EIP-55 address"),
    (lambda d: in_force(d).update(governance_vault=MALLORY), "names 0x.* as its governance vault; the policy that "
                                                            "decides it names"),
    (lambda d: in_force(d).update(state="approved"), "is 'approved'; in its place it must be active"),
    (lambda d: in_force(d)["approvals"].append(dict(in_force(d)["approvals"][0])), "names a signer twice"),
    (lambda d: in_force(d)["approvals"][0].update(signature="0x1234"), "must be a signature"),
    (lambda d: in_force(d).update(text="[policy]\nversion = 2\n"), "does not hash to its digest"),
    (lambda d: d["denylists"].update({"notes.txt": ""}), "carries the denylist 'notes.txt', which no policy"),
])
def test_K5_every_field_is_read_exactly(two_versions: bytes, offline: OfflineSigner,
                                       change: Callable[[dict[str, Any]], Any], match: str) -> None:
    refused(offline, edited(two_versions, change), match, AT)


def test_outside_strings_are_shown_escaped(two_versions: bytes, offline: OfflineSigner) -> None:
    error = refused(offline, edited(two_versions, lambda d: d.update({"\u202egnp.exe\x1b[2J": 1})), "unknown", AT)
    assert "\u202e" not in error.user_message and "\x1b" not in error.user_message
    assert "\\u202egnp.exe\\x1b[2J" in error.user_message


# -- all or nothing ---------------------------------------------------------------------------------------------
def test_a_refusal_after_the_records_were_written_rolls_everything_back(two_versions: bytes,
                                                                        offline: OfflineSigner) -> None:
    """The signatures are fine, so every record is written in the transaction; then the verification inside it finds
    this signer's on-disk copy edited, and the whole import is rolled back: no row, no audit entry, no file."""
    path = policy_file_path(offline.profile.paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("edited by hand\n", encoding="utf-8")
    refused(offline, two_versions, "once stored, the policy would not be in force: .*policy/active.toml", AT)
    path.unlink()
    assert offline.load(two_versions, AT).active.version == 2


def test_a_failure_between_two_writes_leaves_nothing_stored(two_versions: bytes, offline: OfflineSigner,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = PolicyStore.save_activation

    def fail_on_second(self: PolicyStore, digest: str, **kwargs: Any) -> list[str]:
        calls.append(digest)
        if len(calls) == 2:
            raise OSError("disk gone")
        return original(self, digest, **kwargs)

    monkeypatch.setattr(PolicyStore, "save_activation", fail_on_second)
    before = offline.snapshot()
    with pytest.raises(OSError, match="disk gone"):
        offline.load(two_versions, AT)
    assert offline.snapshot() == before and len(calls) == 2


def test_a_failed_commit_restores_the_denylist_file_it_had_written(desk: Desk, offline: OfflineSigner,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine.base import RootTransaction

    desk.policy_dir.mkdir(parents=True, exist_ok=True)
    (desk.policy_dir / "sanctions.txt").write_text(f"{SANCTIONED}\n", encoding="utf-8")
    desk.install(policy_text(denylist="sanctions.txt"))
    raw = desk.export(T0 + HOUR).data
    offline.anchor()
    kept = policy_directory(offline.profile.paths) / "sanctions.txt"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text("# the list this signer had\n", encoding="utf-8")

    def lost(self: RootTransaction) -> None:
        raise OSError("the disk went away at the commit")

    monkeypatch.setattr(RootTransaction, "commit", lost)
    before = offline.snapshot()
    with pytest.raises(OSError, match="at the commit"):
        offline.load(raw, T0 + HOUR)
    monkeypatch.undo()
    assert offline.snapshot() == before
    assert kept.read_text(encoding="utf-8") == "# the list this signer had\n"


# -- the denylist file --------------------------------------------------------------------------------------------
def test_the_denylist_travels_with_the_policy_and_is_written_atomically(desk: Desk, offline: OfflineSigner) -> None:
    desk.policy_dir.mkdir(parents=True, exist_ok=True)
    (desk.policy_dir / "sanctions.txt").write_bytes(f"# OFAC\r\n{SANCTIONED}\r\n".encode())
    desk.install(policy_text(denylist="sanctions.txt"))
    exported = desk.export(T0 + HOUR)
    assert json.loads(exported.data)["denylists"] == {"sanctions.txt": f"# OFAC\r\n{SANCTIONED}\r\n"}
    offline.anchor()
    result = offline.load(exported.data, T0 + HOUR)
    written = policy_directory(offline.profile.paths) / "sanctions.txt"
    assert written.read_bytes() == (desk.policy_dir / "sanctions.txt").read_bytes()  # byte for byte
    assert [(name, changed) for name, _fingerprint, changed in result.denylists] == [("sanctions.txt", True)]
    assert offline.load(exported.data, T0 + HOUR).denylists[0][2] is False  # unchanged the second time


def test_a_policy_whose_denylist_cannot_be_read_is_not_exported_nor_imported_without_it(
        desk: Desk, offline: OfflineSigner) -> None:
    desk.policy_dir.mkdir(parents=True, exist_ok=True)
    (desk.policy_dir / "sanctions.txt").write_text(f"{SANCTIONED}\n", encoding="utf-8")
    desk.install(policy_text(denylist="sanctions.txt"))
    raw = desk.export(T0 + HOUR).data
    offline.anchor()
    refused(offline, edited(raw, lambda d: d.update(denylists={})), "names the denylist file 'sanctions.txt', which "
                                                                   "the bundle does not carry", T0 + HOUR)
    refused(offline, edited(raw, lambda d: d["denylists"].update({"sanctions.txt": "not an address\n"})),
            "'sanctions.txt': .*is not an address", T0 + HOUR)
    assert not (policy_directory(offline.profile.paths) / "sanctions.txt").exists()
    (desk.policy_dir / "sanctions.txt").write_text("0xnot-an-address\n", encoding="utf-8")
    with pytest.raises(PolicyBundleError, match=r"names the denylist file 'sanctions\.txt', which cannot be read here"):
        desk.export(T0 + HOUR)


# -- the command line ---------------------------------------------------------------------------------------------
@dataclass
class OnlineServices:
    """What `policy export` and `policy show` use of the composition root, without a chain: the owners come from the
    same fake `load_owners` as above."""

    profile: Profile
    policy: PolicyService
    audit: AuditLog

    def close(self) -> None:
        pass


def test_cli_exports_on_the_online_desktop_and_imports_on_the_offline_signer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    home, out = tmp_path / "home", tmp_path / "usb" / "policy-bundle.json"
    out.parent.mkdir()
    owners = {VAULT: ([ALICE, BEN, CARMEN], 2)}

    def build_services(profile: Profile) -> OnlineServices:
        assert not profile.is_offline, "an offline profile must never build the chain stack"
        return OnlineServices(profile, PolicyService(
            store=PolicyStore(engine=profile.engine, chain_id=CHAIN_ID), load_owners=owners.__getitem__,
            chain_id=CHAIN_ID, active_file=ActivePolicyFile(policy_file_path(profile.paths))), build_audit_log(profile))

    monkeypatch.setattr("wallet_app.services.build_services", build_services)
    start = datetime.now(UTC).replace(microsecond=0) - 3 * HOUR
    online = Desk(create_profile(home, ProfileConfig(name="desk", network="devnet", chain_id=CHAIN_ID)), owners)
    signer_ = make_offline(home)
    try:
        online.install(at=start)
        v2 = online.change(policy_text(2, limit="10.00"), start + HOUR)
        signer_.anchor()
    finally:
        online.profile.close()
        signer_.profile.close()

    def run(profile: str, *args: str) -> tuple[int, str, str]:
        code = main(["--home", str(home), "--profile", profile, "policy", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, printed, err = run("desk", "export", "--out", str(out))
    assert (code, err) == (0, "")
    assert printed.startswith(f"Wrote the policy bundle to {out}: versions 1, 2\nIn force: version 2 ({v2}), since ")
    approvers = ", ".join(sorted((ALICE, BEN)))  # signed in the same second: in address order
    assert f"Approved: by {approvers} (2 verified signatures; 2 required of the owners of {VAULT})" in printed
    assert json.loads(out.read_bytes())["policies"][-1]["digest"] == v2
    desk_profile = open_profile(home, "desk")
    try:
        exports = build_audit_log(desk_profile).load_entries(action="export")
    finally:
        desk_profile.close()
    assert [(e.subject, e.details()["kind"], e.details()["file"]) for e in exports] == [
        (v2, "policy bundle", "policy-bundle.json")]

    code, _printed, err = run("desk", "export", "--out", str(out))
    assert code == 1 and err == f"custos: {out} already exists; choose another file name\n"
    code, _printed, err = run("signer", "export", "--out", str(tmp_path / "other.json"))
    assert code == 1 and "offline signer: its policy comes from a bundle" in err

    code, printed, err = run("signer", "import", str(out))
    assert (code, err) == (0, "")
    assert printed.startswith(f"Imported the policy bundle {out}:\n  version 1 (")
    assert f"\nIn force: version 2 ({v2}), since " in printed and f"Approved: by {approvers} (2 verified" in printed
    code, printed, err = run("signer", "import", str(out))
    assert code == 0 and printed.startswith(f"Nothing new in {out}: this signer holds all of it already.\n")

    code, printed, err = run("signer", "show")
    assert (code, err) == (0, "") and v2 in printed

    code, _printed, err = run("desk", "import", str(out))
    assert code == 1 and err.startswith("custos: This profile is online: its policy comes from its governance vault")
    for bad, message in ((b"{}", "the bundle lacks format"), (b"\x00" * 10, "is not valid JSON"),
                         (out.read_bytes().replace(b'"chain_id": 177', b'"chain_id": 1'), "it is for chain 1")):
        path = tmp_path / "bad.json"
        path.write_bytes(bad)
        code, printed, err = run("signer", "import", str(path))
        assert (code, printed) == (1, "") and message in err and err.count("\n") == 1
    code, printed, err = run("signer", "import", str(tmp_path / "nowhere.json"))
    assert (code, printed) == (1, "") and "nowhere.json cannot be read (No such file or directory)" in err
