"""Exporting the governed policy as a bundle for an offline signer (`bundle` describes the file).

Only a policy that is in force here is exported: `PolicyService.active()` must verify it first, against the
governance vault's owners read from the chain, so a bundle never carries a policy this desktop itself would refuse.
With it go the policies it descends from (the offline signer checks the chain of digests), the changes of it that
reached their quorum and wait for their cooling-off (they must come into force there at the same moment), the
signed rejections of changes of it (so a change rejected here never comes into force there), and the denylist files
they name, read from the profile's policy directory as the policy checker reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wallet_app.domain.addresses import to_checksum
from wallet_app.policy.bundle import (
    MAX_BUNDLE_BYTES,
    BundleRecord,
    PolicyBundle,
    PolicyBundleError,
    bundle_json,
    read_bundle,
    shown,
)
from wallet_app.policy.bundle_fields import plain
from wallet_app.policy.document import PolicyDocument, PolicyFileError, parse_denylist, parse_policy
from wallet_app.policy.governance import (
    APPROVED,
    REJECTED,
    SUPERSEDED,
    PolicyRecord,
    compute_text_digest,
    digest_hex,
)
from wallet_app.policy.policy_store import PolicyStore
from wallet_app.policy.service import PolicyService
from wallet_app.policy.views import ActivePolicy


@dataclass(frozen=True, slots=True)
class ExportedBundle:
    """The file's bytes and what they hold, for the person exporting it to compare with the offline screen."""

    data: bytes
    bundle: PolicyBundle
    active: ActivePolicy
    skipped: tuple[str, ...]  # open changes left out, and why

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(e.record.version for e in self.bundle.policies)


def export_bundle(*, store: PolicyStore, service: PolicyService, policy_dir: Path,
                  now: datetime | None = None) -> bytes:
    """The bundle of the policy in force here, as the file's bytes (see `build_export` for what it holds)."""
    return build_export(store=store, service=service, policy_dir=policy_dir, now=now).data


def build_export(*, store: PolicyStore, service: PolicyService, policy_dir: Path,
                 now: datetime | None = None) -> ExportedBundle:
    """Verify the policy in force (`PolicyNotInForce` when it is not: nothing is exported), then gather it, its
    predecessors, its waiting changes and signed rejections, and its denylist files; the bytes are read back with
    the importer's own strict reader before they are returned."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    active = service.active(moment)
    verified_waiting = {d.digest for d in service.drafts(moment)
                        if d.state == APPROVED and not d.problems and d.effective_at is not None}
    records = store.load_records()
    by_digest = {r.digest: r for r in records}
    in_force = by_digest.get(active.digest)
    if in_force is None or in_force.state != "active":
        raise PolicyBundleError("The policy in force changed while it was being exported; export again")
    policies = tuple(_entry(r, by_digest) for r in _history(in_force, by_digest))
    pending: list[BundleRecord] = []
    rejected: list[BundleRecord] = []
    skipped: list[str] = []
    for r in records:
        if r.supersedes != in_force.digest:
            continue
        if r.state == APPROVED and r.digest in verified_waiting:
            pending.append(_entry(r, by_digest))
        elif r.state == APPROVED:
            skipped.append(f"version {r.version} ({r.digest}) waits for its cooling-off, but its approvals do not "
                           "verify now: left out")
        elif r.state == REJECTED and r.closed_by and r.closed_signature:
            rejected.append(_entry(r, by_digest))  # so that the offline signer never brings it into force
    denylists = _denylists(policies[-1].document, [e.document for e in pending], policy_dir)
    bundle = PolicyBundle(active.document.chain_id, moment, policies, tuple(pending), tuple(rejected), denylists)
    data = bundle_json(bundle)
    if len(data) > MAX_BUNDLE_BYTES:
        raise PolicyBundleError(f"The policy bundle would be {len(data)} bytes, more than an offline signer reads "
                                f"({MAX_BUNDLE_BYTES}); nothing was exported")
    read_bundle(data, chain_id=bundle.chain_id)  # what the importer will read, checked here first
    return ExportedBundle(data, bundle, active, tuple(skipped))


def _history(in_force: PolicyRecord, by_digest: dict[str, PolicyRecord]) -> list[PolicyRecord]:
    """The policy in force and every policy it descends from, the first one first."""
    chain = [in_force]
    while chain[-1].supersedes is not None:
        base = by_digest.get(chain[-1].supersedes)
        if base is None or base.state != SUPERSEDED or len(chain) > len(by_digest):
            raise PolicyBundleError(f"The history of the policy in force is broken at version {chain[-1].version}: "
                                    f"the policy it replaced ({chain[-1].supersedes}) is "
                                    + ("missing" if base is None else f"recorded as {base.state}")
                                    + "; nothing was exported")
        chain.append(base)
    return chain[::-1]


def _document(record: PolicyRecord) -> PolicyDocument:
    if digest_hex(compute_text_digest(record.text)) != record.digest:
        raise PolicyBundleError(f"The stored text of policy version {record.version} does not match its digest "
                                f"{record.digest} (edited in the database); nothing was exported")
    try:
        return parse_policy(record.text, source=f"stored policy version {record.version}")
    except PolicyFileError as exc:
        raise PolicyBundleError(f"{exc.user_message}; nothing was exported") from None


def _entry(record: PolicyRecord, by_digest: dict[str, PolicyRecord]) -> BundleRecord:
    document = _document(record)
    governing = document if record.supersedes is None else _document(by_digest[record.supersedes])
    return BundleRecord(record, document, to_checksum(governing.governance.vault))


def _denylists(in_force: PolicyDocument, waiting: list[PolicyDocument],
               policy_dir: Path) -> tuple[tuple[str, str], ...]:
    """The denylist file of the policy in force (it must read, as the checker would read it) and those of waiting
    changes that read (one that does not would deny everything there as it would here)."""
    out: dict[str, str] = {}
    for document in (in_force, *waiting):
        name = document.denylist_file
        if name is None or name in out:
            continue
        try:
            text = (policy_dir / name).read_bytes().decode("utf-8")
            parse_denylist(text, source=name)
        except (OSError, UnicodeDecodeError, PolicyFileError) as exc:
            if document is not in_force:
                continue
            reason = exc.user_message if isinstance(exc, PolicyFileError) else type(exc).__name__
            raise PolicyBundleError(f"The policy in force names the denylist file {shown(name)}, which cannot be "
                                    f"read here ({plain(reason)}): every transaction is denied under it, and "
                                    "nothing was exported") from None
        out[name] = text
    return tuple(out.items())
