"""What an offline signer shows before it signs, worked out on that machine from the request's fields alone.

`review_request` never trusts a hash, a summary or a decision it is sent (SECURITY K1, SC-1, SC-8):
1. The ERC-4527 request must be typed data (data type 2) on this profile's chain, for one of its keys, and its
   domain's verifyingContract a vault anchored here; the Safe version is the anchored one, never the request's.
2. The SafeTx is rebuilt from the typed data's fields and hashed by Custos's own code and by eth-account; the two
   must agree, and so must the safeTxHash the online check names.
3. The calldata is decoded by Custos's own decoder (MultiSend included) under the policy imported on this machine.
4. The policy decides twice: with no chain facts at all (what this machine can decide by itself: decoding,
   destinations, per-transfer limits in token units, DELEGATECALL pins, governance, gas refunds, lookalikes) and with
   the facts the online desktop carried (prices, ERC-3643 state, code hashes, simulation, velocity, the vault's
   nonce). A verdict that is the same both ways was decided here; one that changes rests on the online facts and is
   shown as checked online at block N. A denial either way refuses the request, and so does an online decision that
   its own facts do not reproduce here.
5. The signature journal works offline too: a different hash at a nonce this key already signed refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import SafeTx, SafeTxHashes, compute_hashes
from wallet_app.domain.strict_json import loads_strict
from wallet_app.errors import WalletError
from wallet_app.offline.online_check import MessageCheck, OnlineCheck
from wallet_app.offline.transport import ReadRequest
from wallet_app.policy.engine import Decision, RuleVerdict, evaluate
from wallet_app.policy.facts import AddressBook, facts_from_safe_tx
from wallet_app.policy.intent_json import build_describer
from wallet_app.policy.policy_decoding import decode_for_policy
from wallet_app.policy.views import ActivePolicy
from wallet_app.safe.journal import SigningJournal
from wallet_app.safe.tx_typed_data import safe_tx_from_typed_data
from wallet_app.ur.eth_types import EthSignRequest
from wallet_app.vaults.anchors import AnchoredVault, AnchorStore

DATA_TYPE_TYPED_DATA = 2
MAX_TYPED_DATA_BYTES = 512 * 1024
Source = Literal["offline", "online"]


class RequestRefused(WalletError):
    """The offline signer will not sign this request; `user_message` says why. Nothing was signed."""

    code = "offline_refused"


@dataclass(frozen=True, slots=True)
class ReviewedVerdict:
    id: str
    verdict: str
    reason: str
    source: Source  # decided on this machine, or resting on the facts the online desktop read


@dataclass(frozen=True)
class OfflineReview:
    request: EthSignRequest
    check: OnlineCheck | None
    vault: AnchoredVault
    signer: str
    tx: SafeTx
    hashes: SafeTxHashes
    intent_text: str
    decision: Decision  # this machine's, with the carried facts
    verdicts: tuple[ReviewedVerdict, ...]
    policy_version: int
    policy_digest: str
    refusals: tuple[str, ...] = field(default_factory=tuple)

    @property
    def can_sign(self) -> bool:
        return not self.refusals

    @property
    def online_block(self) -> int | None:
        return None if self.check is None else self.check.block_number


def review_request(read: ReadRequest, *, chain_id: int, anchors: AnchorStore, policy: ActivePolicy,
                   denylist: frozenset[str] | None, journal: SigningJournal, own_keys: Mapping[str, str],
                   now: datetime) -> OfflineReview:
    """The review of `read`, or RequestRefused when it cannot even be shown (another chain, an unknown vault or key,
    fields that do not make a SafeTx). `own_keys`: address -> label of the keys that can sign here; `denylist`: the
    policy's denylist file as imported here (the online desktop's copy is never used)."""
    if isinstance(read.check, MessageCheck):
        raise RequestRefused("This request is for a Safe message; it is reviewed as one (review_message_request)")
    request = read.sign_request
    if request.data_type != DATA_TYPE_TYPED_DATA:
        raise RequestRefused(f"The request asks to sign data of type {request.data_type}; Custos signs Safe "
                             "transactions as EIP-712 typed data (type 2) only")
    if request.chain_id != chain_id:
        raise RequestRefused(f"The request is for chain {request.chain_id}; this signer signs for chain {chain_id}")
    signer, typed, vault = request_parties(request, anchors, own_keys)
    tx = safe_tx_from_typed_data(typed, safe=vault.facts.address, chain_id=chain_id, version=vault.facts.version)
    hashes = compute_hashes(tx)
    check = read.check
    assert not isinstance(check, MessageCheck)  # refused above
    refusals = _binding_refusals(check, tx, hashes, chain_id)
    if check is not None and check.policy_digest != policy.digest:
        refusals.append(f"The online desktop checked under policy version {check.policy_version} "
                        f"({check.policy_digest}); this signer holds version {policy.version} ({policy.digest}): "
                        "import the policy bundle of the version in force")
    refusals += _journal_refusals(journal, chain_id, signer, tx, hashes)
    document = policy.document
    standard_of = check.facts.standard_of if check is not None else None
    intent = decode_for_policy(document, tx, standard_of=standard_of)
    names = {vault.facts.address: vault.facts.label or "vault", **own_keys}
    base: dict[str, Any] = {"proposer": check.proposer if check else None, "denylist": denylist,
                            "approvers": check.approvers if check else (), "address_book": AddressBook(names)}
    owners, threshold = vault.facts.owners, vault.facts.threshold
    alone = evaluate(document, facts_from_safe_tx(tx, intent, now=now, owners=owners, threshold=threshold, **base))
    with_online = alone
    if check is not None:
        carried = check.facts.replay(now)
        del carried["denylist"]  # a policy file: this machine's own copy decides
        with_online = evaluate(document, facts_from_safe_tx(tx, intent, now=now, owners=owners, threshold=threshold,
                                                            **base, **carried))
    verdicts = merge(alone.rules, with_online.rules)
    refusals += policy_refusals(verdicts, with_online, check)
    describe = build_describer(document, safe=tx.safe, labels=names, token_facts={}, native=("HSK", 18))
    return OfflineReview(request=request, check=check, vault=vault, signer=signer, tx=tx, hashes=hashes,
                         intent_text=describe(intent), decision=with_online, verdicts=verdicts,
                         policy_version=policy.version, policy_digest=policy.digest, refusals=tuple(refusals))


def request_parties(request: EthSignRequest, anchors: AnchorStore,
                    own_keys: Mapping[str, str]) -> tuple[str, dict[str, Any], AnchoredVault]:
    """Who is asked to sign (a key of this signer), the typed data, and the vault it names (anchored here, with the
    signer among its owners); RequestRefused otherwise."""
    if request.address is None:
        raise RequestRefused("The request names no signing address")
    signer = to_checksum("0x" + request.address.hex())
    if signer not in own_keys:
        raise RequestRefused(f"The request asks {signer} to sign, which is not a key of this signer")
    typed = loads_strict(request.sign_data, "the request's typed data", limit=MAX_TYPED_DATA_BYTES)
    if not isinstance(typed, dict) or not isinstance(typed.get("domain"), dict):
        raise RequestRefused("The request's typed data is not an EIP-712 object")
    vault = anchors.require(str(typed["domain"].get("verifyingContract", "")))
    if signer not in vault.facts.owners:
        raise RequestRefused(f"{signer} is not an owner of {vault.facts.label or vault.facts.address} as anchored")
    return signer, typed, vault


def _binding_refusals(check: OnlineCheck | None, tx: SafeTx, hashes: SafeTxHashes, chain_id: int) -> list[str]:
    if check is None:
        return ["The request carries no online check (custos-check): the facts that need the chain (simulation, "
                "compliance, velocity) were not checked, so Custos does not sign it"]
    out = []
    if check.safe_tx_hash != hashes.safe_tx_hash:  # K1
        out.append(f"The request says its safeTxHash is 0x{check.safe_tx_hash.hex()}, but its fields give "
                   f"0x{hashes.safe_tx_hash.hex()}: the fields or the hash were altered")
    if check.chain_id != chain_id or check.safe != tx.safe or check.nonce != tx.nonce:
        out.append("The online check is about another chain, vault or nonce than the request's fields")
    return out


def _journal_refusals(journal: SigningJournal, chain_id: int, signer: str, tx: SafeTx,
                      hashes: SafeTxHashes) -> list[str]:
    signed = journal.signed_at(chain_id, signer, tx.safe, tx.nonce)
    other = [e for e in signed if e.digest != hashes.safe_tx_hash]
    if other:
        return [f"This key already signed 0x{other[0].digest.hex()} at nonce {tx.nonce} of this vault; signing "
                "another transaction at the same nonce is refused (reject it online instead)"]
    return []


def merge(alone: list[RuleVerdict], with_online: list[RuleVerdict]) -> tuple[ReviewedVerdict, ...]:
    """Each verdict with its source: the same with and without the chain facts means decided here."""
    own: dict[str, list[RuleVerdict]] = {}
    for v in alone:
        own.setdefault(v.id, []).append(v)
    merged = []
    for v in with_online:
        mine = own.get(v.id, [])
        same = bool(mine) and mine.pop(0).verdict == v.verdict
        merged.append(ReviewedVerdict(v.id, v.verdict, v.reason, "offline" if same else "online"))
    return tuple(merged)


def policy_refusals(verdicts: tuple[ReviewedVerdict, ...], decision: Decision,
                     check: OnlineCheck | None) -> list[str]:
    out = [f"The policy on this machine denies it ({v.id}: {v.reason})" for v in verdicts
           if v.verdict == "deny" and v.source == "offline"]
    if decision.decision == "deny" and not out:
        out += [f"With the facts checked online the policy denies it ({v.id}: {v.reason})" for v in verdicts
                if v.verdict == "deny"]
    if check is not None and decision.decision != check.decision:
        out.append(f"The online desktop decided {check.decision}, but its own facts give {decision.decision} under "
                   "the policy on this machine (are both on the same policy version?)")
    return out
