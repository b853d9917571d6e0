"""Fakes of the core's `PolicyService` and `PolicyChecker` for the Policy page, built from the real core: the demo
policy template filled with fixed addresses and parsed by the real parser, drafts compared by the real comparison, and
every check decided by the real engine (`evaluate`) on facts made by hand (prices, simulation, spending so far), so
that allow, escalate and deny are the engine's own answers. Only storage, signatures and the chain are faked."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from eth_hash.auto import keccak

from tests.ui.fakes import DEMO_PASSWORD, OWNERS
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import WalletError, WrongPassword
from wallet_app.holdings.prices import build_fixed_hkd_price
from wallet_app.policy.check_request import CheckRequest, check_request
from wallet_app.policy.checker import CheckResult
from wallet_app.policy.compare import PolicyChange, compare_policies, is_loosening
from wallet_app.policy.decision_store import RecordedDecision
from wallet_app.policy.document import PolicyDocument, fill_policy_template, parse_policy
from wallet_app.policy.engine import Decision, RuleVerdict, evaluate
from wallet_app.policy.facts import SimulationOutcome, facts_from_safe_tx
from wallet_app.policy.governance import (
    ACTIVE,
    APPROVED,
    PROPOSED,
    REJECTED,
    ApprovalCheck,
    ApprovalRecord,
    PolicyGovernanceError,
    PolicyNotInForce,
    PolicyRecord,
    compute_text_digest,
    digest_hex,
)
from wallet_app.policy.policy_decoding import decode_for_policy
from wallet_app.policy.views import ActivePolicy, PolicyDraft, PolicyHistoryEntry

TEMPLATE = Path(__file__).resolve().parents[2] / "resources" / "policy" / "demo-policy.toml"
HK = ZoneInfo("Asia/Hong_Kong")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=HK)  # a Tuesday, in office hours
CHAIN_ID = 1770177
HKD = 10**6
MSCO_CODE_HASH = bytes.fromhex("ecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939")


def address(name: str) -> str:
    return from_bytes(keccak(f"custos ui test: {name}".encode())[:20])


ALICE, BEN, CARMEN = OWNERS
OFFICERS = (ALICE, BEN, CARMEN)
DANA = address("dana ho (operations)")
CLIENT_VAULT, TREASURY = address("client vault"), address("treasury")
KOWLOON, PENDING_KYC, STRANGER = address("kowloon pension"), address("pending kyc"), address("a stranger")
HKDH = address("hkdh")
TROJAN = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
BYBIT_DATA = bytes.fromhex("a9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be2969516"
                           + "00" * 32)
VALUES = {
    "client_vault": CLIENT_VAULT, "treasury": TREASURY, "alice": ALICE, "ben": BEN, "carmen": CARMEN, "dana": DANA,
    "kowloon_pension": KOWLOON, "lion_rock": address("lion rock"), "victoria_harbour": address("victoria harbour"),
    "pending_kyc": PENDING_KYC, "hkdh": HKDH, "hmmf": address("hmmf"), "hust": address("hust"),
    "hgb29": address("hgb29"), "hdeed": address("hdeed"), "multi_send_call_only": address("multisendcallonly"),
    "cold_vault": address("cold vault"),
}
NAMES = {
    CLIENT_VAULT: "Harbour client vault", TREASURY: "Harbour treasury", ALICE: "Alice Chan", BEN: "Ben Wong",
    CARMEN: "Carmen Lee", DANA: "Dana Ho (operations)", KOWLOON: "Kowloon Pension Trust",
    PENDING_KYC: "Pending KYC Ltd", HKDH: "Harbour HKD stablecoin",
}


def demo_text() -> str:
    return fill_policy_template(TEMPLATE.read_text(encoding="utf-8"), VALUES, source=TEMPLATE.name)


HOSTILE = '<a href="#claim">Claim</a><img src="y.png"><b>USDC</b>\u202eexe.txt'


def hostile_text() -> str:
    """The demo policy with markup and a right-to-left override in a rule's description (outside text, E1/E4)."""
    return demo_text().replace('description = "No payments to an investor whose KYC is not complete"',
                               f"description = '{HOSTILE}'", 1)


def draft_text(base: str | None = None) -> str:
    """Version 2: routine payouts up to 80,000.00 HKDH instead of 50,000.00 (loosens), and no more transfers of
    property deeds to investors at all (the deeds rule removed: tightens)."""
    text = base or demo_text()
    text = text.replace("version = 1\n", "version = 2\n", 1)
    text = text.replace('max_amount = "50000.00", max_hkd = "50000.00"',
                        'max_amount = "80000.00", max_hkd = "80000.00"', 1)
    return re.sub(r'\[\[rules\]\]\nid = "deeds-in-office-hours".*?(?=\n\[\[rules\]\])', "", text, count=1,
                  flags=re.DOTALL)


def policy_vaults(block: int = 120) -> list[VaultInfo]:
    return [
        VaultInfo(CLIENT_VAULT, "Harbour client vault", "1.4.1", OFFICERS, 2, 5, 0, block),
        VaultInfo(TREASURY, "Harbour treasury", "1.4.1", OFFICERS, 3, 2, 0, block),
    ]


def transfer_data(recipient: str, amount: int) -> bytes:
    return build_call("transfer(address,uint256)", recipient, amount)


class _Slow:
    def __init__(self) -> None:
        self.delay = 0.0
        self.gate: threading.Event | None = None
        self.threads: dict[str, int] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def _called(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
            self.threads[name] = threading.get_ident()
        if self.gate is not None:
            self.gate.wait(10)
        if self.delay:
            time.sleep(self.delay)


def _record(text: str, *, state: str, proposed_by: str, at: datetime, supersedes: str | None,
            approvals: tuple[ApprovalRecord, ...] = (), effective_at: datetime | None = None) -> PolicyRecord:
    return PolicyRecord(
        digest=digest_hex(compute_text_digest(text)), version=parse_policy(text).version, text=text,
        proposed_by=proposed_by, proposed_at=at, proposer_signature=b"\x01" * 65, state=state, supersedes=supersedes,
        quorum_reached_at=effective_at, effective_at=effective_at, closed_at=None, closed_by=None,
        closed_signature=None, closed_reason="", approvals=approvals,
    )


class FakePolicy(_Slow):
    """`PolicyService` over records in memory. The governance vault is the treasury (3-of-3, quorum 3); the demo
    policy is in force (approved by the three officers), and version 2 (loosens) waits with Alice's approval."""

    def __init__(self, *, with_draft: bool = True, not_in_force: PolicyNotInForce | None = None,
                 text: str | None = None) -> None:
        super().__init__()
        self.not_in_force = not_in_force
        self.now = NOW.astimezone(UTC)
        start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        signed = tuple(ApprovalRecord(o, b"\x02" * 65, start + timedelta(minutes=10 * i)) for i, o in
                       enumerate(OFFICERS))
        active = _record(text or demo_text(), state=ACTIVE, proposed_by=ALICE, at=start, supersedes=None,
                         approvals=signed, effective_at=signed[-1].signed_at)
        self.records: list[PolicyRecord] = [active]
        if with_draft:
            self.records.append(_record(draft_text(text), state=PROPOSED, proposed_by=ALICE,
                                        at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC), supersedes=active.digest,
                                        approvals=(ApprovalRecord(ALICE, b"\x03" * 65,
                                                                  datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),)))
        self.approve_error: WalletError | None = None

    # -- reading ----------------------------------------------------------------------------------------------
    def _by_digest(self, digest: str) -> PolicyRecord:
        found = next((r for r in self.records if r.digest == digest), None)
        if found is None:
            raise PolicyGovernanceError(f"No policy with digest {digest} is recorded")
        return found

    def _active_record(self) -> PolicyRecord:
        return next(r for r in self.records if r.state == ACTIVE)

    @staticmethod
    def _checks(record: PolicyRecord) -> tuple[ApprovalCheck, ...]:
        return tuple(ApprovalCheck(a.signer, a.signed_at, a.signer in OFFICERS, "" if a.signer in OFFICERS else
                                   f"not a current owner of {TREASURY}", False) for a in record.approvals)

    def active(self, now: datetime | None = None) -> ActivePolicy:
        self._called("active")
        if self.not_in_force is not None:
            raise self.not_in_force
        record = self._active_record()
        checks = self._checks(record)
        assert record.effective_at is not None
        return ActivePolicy(
            document=parse_policy(record.text), digest=record.digest, version=record.version,
            effective_since=record.effective_at, quorum_reached_at=record.effective_at, proposed_by=record.proposed_by,
            proposed_at=record.proposed_at, governance_vault=TREASURY, required=3,
            approved_by=tuple(c.signer for c in checks if c.counted), approvals=checks, supersedes=record.supersedes,
            loosened=False, changes=(), notes=(),
        )

    def drafts(self, now: datetime | None = None) -> list[PolicyDraft]:
        self._called("drafts")
        return [self._draft(r) for r in self.records if r.state in (PROPOSED, APPROVED)]

    def _draft(self, record: PolicyRecord) -> PolicyDraft:
        checks = self._checks(record)
        base = self._by_digest(record.supersedes) if record.supersedes else None
        loosens = is_loosening(self.compare(record.digest)) if base is not None else None
        return PolicyDraft(
            digest=record.digest, version=record.version, state=record.state, proposed_by=record.proposed_by,
            proposed_at=record.proposed_at, supersedes=record.supersedes, governance_vault=TREASURY, required=3,
            approved_by=tuple(c.signer for c in checks if c.counted), approvals=checks, loosens=loosens,
            effective_at=record.effective_at, stale=False, problems=(),
        )

    def history(self) -> list[PolicyHistoryEntry]:
        self._called("history")
        return [PolicyHistoryEntry(r, True) for r in reversed(self.records)]

    def compare(self, draft_digest: str) -> list[PolicyChange]:
        record = self._by_digest(draft_digest)
        if record.supersedes is None:
            return []
        return compare_policies(parse_policy(self._by_digest(record.supersedes).text), parse_policy(record.text))

    # -- signing ----------------------------------------------------------------------------------------------
    def _signer(self, key: str, password: str) -> str:
        if password != DEMO_PASSWORD:
            raise WrongPassword("Wrong password. Wait a moment before trying again.")
        return key

    def propose(self, text: str, proposer_key: str, password: str, *, now: datetime | None = None) -> PolicyDraft:
        self._called("propose")
        document = parse_policy(text, source="the proposed policy")  # PolicyFileError with its line
        signer = self._signer(proposer_key, password)
        active = self._active_record()
        if document.version <= active.version:
            raise PolicyGovernanceError(f"The policy's version must be above {active.version}, the version in "
                                        f"force; it is {document.version}")
        approvals = (ApprovalRecord(signer, b"\x04" * 65, self.now),) if signer in OFFICERS else ()
        record = _record(text, state=PROPOSED, proposed_by=signer, at=self.now, supersedes=active.digest,
                         approvals=approvals)
        self.records.append(record)
        return self._draft(record)

    def approve(self, digest: str, key: str, password: str, *, now: datetime | None = None) -> PolicyDraft:
        self._called("approve")
        signer = self._signer(key, password)
        if self.approve_error is not None:
            raise self.approve_error
        record = self._by_digest(digest)
        if signer not in OFFICERS:
            raise PolicyGovernanceError(f"{signer} is not a current owner of the governance vault {TREASURY}: its "
                                        "approval would not count, so it is not recorded")
        if all(a.signer != signer for a in record.approvals):
            record = replace(record, approvals=(*record.approvals, ApprovalRecord(signer, b"\x05" * 65, self.now)))
        if len({a.signer for a in record.approvals} & set(OFFICERS)) >= 3:
            loosens = is_loosening(self.compare(digest))
            effective = self.now + timedelta(hours=24) if loosens else self.now
            record = replace(record, state=APPROVED if loosens else ACTIVE, quorum_reached_at=self.now,
                             effective_at=effective)
        self.records = [record if r.digest == digest else r for r in self.records]
        return self._draft(record)

    def reject(self, digest: str, key: str, password: str, *, reason: str = "",
               now: datetime | None = None) -> PolicyDraft:
        self._called("reject")
        signer = self._signer(key, password)
        record = replace(self._by_digest(digest), state=REJECTED, closed_by=signer, closed_reason=reason)
        self.records = [record if r.digest == digest else r for r in self.records]
        return self._draft(record)


class FakeChecker(_Slow):
    """`PolicyChecker` whose decisions are the real engine's, on hand-made facts: HKDH at 1:1 HKD, nothing sent in the
    velocity windows yet, a clean simulation, the MultiSendCallOnly's pinned code hash, an empty denylist."""

    def __init__(self, policy: FakePolicy | None = None) -> None:
        super().__init__()
        self.policy = policy
        self.recorded: list[RecordedDecision] = []
        self.vaults = {v.address: v for v in policy_vaults()}

    def check(self, request: CheckRequest, *, record: bool = True) -> CheckResult:
        self._called("check")
        fields = check_request(request)
        vault = self.vaults.get(fields.safe) or VaultInfo(fields.safe, "", "1.4.1", OFFICERS, 2, 0, 0, 120)
        tx = SafeTx(safe=vault.address, chain_id=CHAIN_ID, version=vault.version, to=fields.to, value=fields.value,
                    data=fields.data, operation=Operation(fields.operation),
                    nonce=vault.nonce if fields.nonce is None else fields.nonce, safe_tx_gas=fields.safe_tx_gas,
                    base_gas=fields.base_gas, gas_price=fields.gas_price, gas_token=fields.gas_token,
                    refund_receiver=fields.refund_receiver)
        hashes = compute_hashes(tx)
        active: ActivePolicy | None = None
        problem = ""
        try:
            active = self.policy.active() if self.policy is not None else None
        except PolicyNotInForce as exc:
            problem = exc.user_message
        document: PolicyDocument = active.document if active is not None else parse_policy(demo_text())
        intent = decode_for_policy(document, tx)
        if active is None:
            decision = Decision("deny", [RuleVerdict("policy", "deny", "no policy is in force, so every transaction "
                                                                       f"is denied: {problem}")],
                                vault.threshold, (), f"(not described) call to {tx.to}")
            simulation = "not simulated: no policy is in force"
        else:
            facts = facts_from_safe_tx(
                tx, intent, now=NOW, owners=vault.owners, threshold=vault.threshold, proposer=fields.proposer,
                prices={HKDH: build_fixed_hkd_price()}, code_hashes={VALUES["multi_send_call_only"]: MSCO_CODE_HASH},
                denylist=frozenset(), spent_hkd=lambda _vault, _since: 0, spent_amount=lambda _v, _a, _s: 0,
                simulation=SimulationOutcome(reverted=False), token_facts={HKDH: ("HKDH", 6)},
            )
            decision = evaluate(document, facts)
            simulation = ("simulated at block 120: it succeeds and leaves the vault's owners, threshold, modules, "
                          "guard, fallback handler and implementation unchanged")
        result = CheckResult(
            request=request, safe_tx=tx, safe_tx_hash=hashes.safe_tx_hash, domain_hash=hashes.domain_hash,
            message_hash=hashes.message_hash, intent=intent, intent_text=decision.intent_text, decision=decision,
            simulation_text=simulation, checked_at=NOW, policy_version=active.version if active else None,
            policy_digest=active.digest if active else None, vault=vault,
        )
        if record:
            self.recorded.append(RecordedDecision(
                id=len(self.recorded) + 1, chain_id=CHAIN_ID, checked_at=NOW + timedelta(minutes=len(self.recorded)),
                safe=tx.safe, nonce=tx.nonce, safe_tx_hash="0x" + hashes.safe_tx_hash.hex(),
                intent_text=decision.intent_text, decision=decision.decision, rules=tuple(decision.rules),
                policy_version=result.policy_version, policy_digest=result.policy_digest, proposer=fields.proposer))
        return result

    def recent_decisions(self, limit: int = 50) -> list[RecordedDecision]:
        self._called("recent_decisions")
        return list(reversed(self.recorded))[:limit]


def seed_decisions(checker: FakeChecker) -> None:
    """The demo's three sample decisions: allow, escalate and deny, proposed by Dana."""
    for amount in (10_000, 300_000, 2_000_000):
        checker.check(CheckRequest(safe=CLIENT_VAULT, to=HKDH, data=transfer_data(KOWLOON, amount * HKD),
                                   proposer=DANA))
    checker.calls.clear()
    if checker.policy is not None:
        checker.policy.calls.clear()
