"""The policy bundle: the governed policy carried to an offline signer as one JSON file, and its strict reading.

An offline signer never reads a chain, so it cannot watch the governance vault's owners approve a policy. The online
desktop exports every recorded policy from the profile's first one to the one in force (`bundle_export`); the
offline signer imports it (`bundle_import`) and accepts it only if the quorum of owners it anchored signed it. The
bundle adds no trust of its own: it carries the texts and the EIP-712 signatures exactly as the store holds them,
and everything is checked again from scratch on import.

    {"format": "custos-policy-bundle/1", "chain_id": 177, "exported_at": "2026-03-02T09:00:00+00:00",
     "policies": [RECORD, ...],   # first policy .. the one in force, in order: "superseded", ..., "active"
     "pending": [RECORD, ...],    # changes of the one in force past their quorum, in cooling-off: "approved"
     "rejected": [RECORD, ...],   # changes of the one in force closed by a signed rejection: "rejected"
     "denylists": {"sanctions.txt": "0x...\\n"}}   # the denylist files those policies name, as text

    RECORD = {"version", "digest", "supersedes", "governance_vault", "state", "text", "proposed_by", "proposed_at",
              "proposer_signature", "quorum_reached_at", "effective_at", "closed_at", "closed_by",
              "closed_signature", "closed_reason", "approvals": [{"signer", "signature", "signed_at"}, ...]}

Reading is strict, because the file comes from outside: at most `MAX_BUNDLE_BYTES` (4 MiB) of UTF-8 JSON, no
duplicate keys, no NaN, exactly the fields above with exactly their types, times in UTC (signed times in whole
seconds), addresses in EIP-55, digests recomputed from the texts, every text parsed by the policy parser, and the
records chained (each replaces the one before it; pending and rejected ones replace the one in force). Signatures
and quorums are checked by the import, against the anchored owners.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum
from wallet_app.policy.bundle_fields import (
    DIGEST,
    MAX_BUNDLE_BYTES,
    Fields,
    PolicyBundleError,
    parse_json,
    plain,
    shown,
)
from wallet_app.policy.document import PolicyDocument, PolicyFileError, parse_denylist, parse_policy
from wallet_app.policy.governance import (
    ACTIVE,
    APPROVED,
    REJECTED,
    SUPERSEDED,
    ApprovalRecord,
    PolicyRecord,
    as_utc,
    compute_text_digest,
    digest_hex,
)

FORMAT = "custos-policy-bundle/1"
MAX_POLICIES, MAX_OPEN, MAX_APPROVALS, MAX_DENYLISTS = 1000, 64, 64, 8
RECORD_FIELDS = ("version", "digest", "supersedes", "governance_vault", "state", "text", "proposed_by", "proposed_at",
                 "proposer_signature", "quorum_reached_at", "effective_at", "closed_at", "closed_by",
                 "closed_signature", "closed_reason", "approvals")
__all__ = ["FORMAT", "MAX_BUNDLE_BYTES", "BundleRecord", "PolicyBundle", "PolicyBundleError", "bundle_json",
           "denylist_fingerprint", "read_bundle", "shown"]


@dataclass(frozen=True, slots=True)
class BundleRecord:
    """One recorded policy as the exporting store holds it, its parsed text, and the vault whose owners decide it."""

    record: PolicyRecord
    document: PolicyDocument
    governance_vault: str


@dataclass(frozen=True, slots=True)
class PolicyBundle:
    chain_id: int
    exported_at: datetime
    policies: tuple[BundleRecord, ...]  # the first policy .. the one in force (the last)
    pending: tuple[BundleRecord, ...]
    rejected: tuple[BundleRecord, ...]
    denylists: tuple[tuple[str, str], ...]  # (file name, text)

    @property
    def in_force(self) -> BundleRecord:
        return self.policies[-1]


def denylist_fingerprint(text: str) -> str:
    """keccak-256 of a denylist file's UTF-8 text. The file is signed by no one (here as on the online desktop), so
    both screens show this for the officer to compare."""
    return "0x" + keccak(text.encode("utf-8")).hex()


# -- writing --------------------------------------------------------------------------------------------------------
def _time(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def _sig(signature: bytes | None) -> str | None:
    return None if signature is None else "0x" + signature.hex()


def record_json(entry: BundleRecord) -> dict[str, Any]:
    r = entry.record
    return {
        "version": r.version, "digest": r.digest, "supersedes": r.supersedes,
        "governance_vault": entry.governance_vault, "state": r.state, "text": r.text, "proposed_by": r.proposed_by,
        "proposed_at": _time(r.proposed_at), "proposer_signature": _sig(r.proposer_signature),
        "quorum_reached_at": _time(r.quorum_reached_at), "effective_at": _time(r.effective_at),
        "closed_at": _time(r.closed_at), "closed_by": r.closed_by, "closed_signature": _sig(r.closed_signature),
        "closed_reason": r.closed_reason,
        "approvals": [{"signer": a.signer, "signature": _sig(a.signature), "signed_at": _time(a.signed_at)}
                      for a in sorted(r.approvals, key=lambda a: (as_utc(a.signed_at), a.signer))],
    }


def bundle_json(bundle: PolicyBundle) -> bytes:
    """The bundle as the file's bytes: ASCII JSON (every other character escaped), keys in a fixed order."""
    document = {
        "format": FORMAT, "chain_id": bundle.chain_id, "exported_at": _time(bundle.exported_at),
        "policies": [record_json(r) for r in bundle.policies], "pending": [record_json(r) for r in bundle.pending],
        "rejected": [record_json(r) for r in bundle.rejected], "denylists": dict(bundle.denylists),
    }
    return (json.dumps(document, indent=1, ensure_ascii=True) + "\n").encode("ascii")


# -- reading --------------------------------------------------------------------------------------------------------
def _read_record(value: Any, where: str, chain_id: int) -> BundleRecord:
    f = Fields(value, RECORD_FIELDS, where)
    version, digest, text = f.number("version"), f.digest("digest"), f.text("text", limit=MAX_BUNDLE_BYTES)
    if digest_hex(compute_text_digest(text)) != digest:
        raise f.error(where, f"(version {version}): its text does not hash to its digest {digest} (edited)")
    try:
        document = parse_policy(text, source=f"the policy text of {where}")
    except PolicyFileError as exc:
        raise f.error(where, f"(version {version}) is not a policy Custos reads: {plain(exc.user_message)}"
                      ) from None
    if document.version != version or document.chain_id != chain_id:
        raise f.error(where, f"says version {version} on chain {chain_id}, but its text says version "
                             f"{document.version} on chain {document.chain_id}")
    raw_approvals = f.items("approvals")
    if len(raw_approvals) > MAX_APPROVALS:
        raise f.error(f"{where}.approvals", f"holds more than {MAX_APPROVALS} approvals")
    approvals = []
    for index, item in enumerate(raw_approvals):
        a = Fields(item, ("signer", "signature", "signed_at"), f"{where}.approvals[{index}]")
        approvals.append(ApprovalRecord(a.address("signer"), a.signature("signature"), a.time("signed_at", whole=True)))
    if len({a.signer for a in approvals}) != len(approvals):
        raise f.error(f"{where}.approvals", "names a signer twice")
    record = PolicyRecord(
        digest=digest, version=version, text=text, proposed_by=f.address("proposed_by"),
        proposed_at=f.time("proposed_at", whole=True), proposer_signature=f.signature("proposer_signature"),
        state=f.text("state", limit=20), supersedes=f.opt_matching("supersedes", DIGEST, "a digest or null"),
        quorum_reached_at=f.opt_time("quorum_reached_at"), effective_at=f.opt_time("effective_at"),
        closed_at=f.opt_time("closed_at"), closed_by=f.opt_address("closed_by"),
        closed_signature=f.opt_signature("closed_signature"), closed_reason=f.text("closed_reason", limit=2000),
        approvals=tuple(approvals),
    )
    return BundleRecord(record, document, f.address("governance_vault"))


def _read_list(document: Fields, key: str, limit: int, chain_id: int) -> tuple[BundleRecord, ...]:
    items = document.items(key)
    if len(items) > limit:
        raise document.error(key, f"holds more than {limit} policies")
    return tuple(_read_record(item, f"{key}[{index}]", chain_id) for index, item in enumerate(items))


def read_bundle(raw: bytes, *, chain_id: int) -> PolicyBundle:
    """The bundle in `raw`, read strictly and checked for shape and chaining (not yet for signatures)."""
    f = Fields(parse_json(raw), ("format", "chain_id", "exported_at", "policies", "pending", "rejected",
                                  "denylists"), "the bundle")
    fmt = f.text("format", limit=60)
    if fmt != FORMAT:
        raise f.error("its format", f"is {shown(fmt)}, not {FORMAT}: not a policy bundle this Custos reads")
    bundle_chain = f.number("chain_id")
    if bundle_chain != chain_id:
        raise PolicyBundleError(f"The bundle is refused: it is for chain {bundle_chain}; this profile signs for "
                                f"chain {chain_id}")
    bundle = PolicyBundle(chain_id, f.time("exported_at"), _read_list(f, "policies", MAX_POLICIES, chain_id),
                          _read_list(f, "pending", MAX_OPEN, chain_id), _read_list(f, "rejected", MAX_OPEN, chain_id),
                          _read_denylists(f.table("denylists")))
    check_chaining(bundle)
    return bundle


def _read_denylists(value: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    if len(value) > MAX_DENYLISTS:
        raise PolicyBundleError(f"The bundle is refused: it carries more than {MAX_DENYLISTS} denylist files")
    out = []
    for name, text in value.items():
        if type(text) is not str:
            raise PolicyBundleError(f"The bundle is refused: the denylist {shown(name)} must be a string")
        try:
            parse_denylist(text, source="the bundle's denylist")
        except PolicyFileError as exc:
            raise PolicyBundleError(f"The bundle is refused: {shown(name)}: {plain(exc.user_message)}") from None
        out.append((name, text))
    return tuple(out)


def _expect(ok: bool, problem: str) -> None:
    if not ok:
        raise PolicyBundleError(f"The bundle is refused: {problem}")


def check_chaining(bundle: PolicyBundle) -> None:
    """The records form one history: each policy replaces the one before it and is decided by that one's governance
    vault, the last is in force, pending and rejected ones replace it; the denylists are those the policies name."""
    _expect(bool(bundle.policies), "it holds no policy in force")
    seen: set[str] = set()
    last = len(bundle.policies) - 1
    for index, entry in enumerate(bundle.policies):
        _check_link(entry, bundle.policies[index - 1] if index else None, ACTIVE if index == last else SUPERSEDED,
                    seen)
    for entry in bundle.pending:
        _check_link(entry, bundle.in_force, APPROVED, seen)
    for entry in bundle.rejected:
        _check_link(entry, bundle.in_force, REJECTED, seen)
    named = {e.document.denylist_file for e in (bundle.in_force, *bundle.pending)}
    for name, _text in bundle.denylists:
        _expect(name in named, f"it carries the denylist {shown(name)}, which no policy it brings names")
    wanted = bundle.in_force.document.denylist_file
    _expect(wanted is None or wanted in dict(bundle.denylists),
            f"the policy in force names the denylist file {shown(wanted or '')}, which the bundle does not carry")


def _check_link(entry: BundleRecord, base: BundleRecord | None, state: str, seen: set[str]) -> None:
    r = entry.record
    where = f"version {r.version} ({r.digest})"
    _expect(r.digest not in seen, f"{where} appears twice")
    seen.add(r.digest)
    if base is None:
        _expect(r.supersedes is None, f"{where} comes first, yet replaces another policy (incomplete history)")
    else:
        _expect(r.supersedes == base.record.digest,
                f"{where} does not replace version {base.record.version} ({base.record.digest}), the policy before "
                "it (reordered or incomplete)")
        _expect(r.version > base.record.version, f"{where} is not above version {base.record.version}, the policy "
                                                 "it replaces")
    _expect(r.state == state, f"{where} is {shown(r.state, 20)}; in its place it must be {state}")
    governing = to_checksum((base or entry).document.governance.vault)
    _expect(governing == entry.governance_vault, f"{where} names {entry.governance_vault} as its governance vault; "
                                                 f"the policy that decides it names {governing}")
    _expect(state == REJECTED or (r.quorum_reached_at is not None and r.effective_at is not None),
            f"{where} is {state} without the time of its quorum and its effective time")
    _expect(state in (ACTIVE, APPROVED) or r.closed_at is not None, f"{where} is {state} without the time it closed")
    _expect(state != REJECTED or (r.closed_by is not None and r.closed_signature is not None),
            f"{where} is rejected without the rejection's signer and signature")
