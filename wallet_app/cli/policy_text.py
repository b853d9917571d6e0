"""The words and JSON of the policy commands: a decision on a transaction, the policy in force and its drafts.
`custos safe propose` prints its decision with the same lines."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import visible_lines

if TYPE_CHECKING:
    from wallet_app.policy.checker import CheckResult
    from wallet_app.policy.governance import ApprovalCheck, PolicyNotInForce
    from wallet_app.policy.views import ActivePolicy, PolicyDraft


def format_time(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S %Z}"


def iso_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def check_lines(result: CheckResult) -> list[str]:
    """The decision in words, for a terminal."""
    d, tx, vault = result.decision, result.safe_tx, result.vault
    lines = []
    if vault is not None:
        label = f"{vault.label} " if vault.label else ""
        lines.append(f"Vault      {visible_lines(label)}{vault.address} (Safe {vault.version}, {vault.threshold} of "
                     f"{len(vault.owners)}, next nonce {vault.nonce})")
    lines += [f"SafeTx     nonce {tx.nonce} on chain {tx.chain_id}",
              f"           safeTxHash   0x{result.safe_tx_hash.hex()}",
              f"           domain hash  0x{result.domain_hash.hex()}",
              f"           message hash 0x{result.message_hash.hex()}",
              "Intent"]
    lines += ["  " + line for line in visible_lines(result.intent_text).split("\n")]
    lines.append(f"Decision   {_decision_words(result)}")
    lines.append("Rules")
    width = max((len(v.verdict) for v in d.rules), default=4)
    lines += [f"  {v.verdict:<{width}}  {visible_lines(v.id)}: {visible_lines(v.reason)}" for v in d.rules]
    lines.append(f"Simulation {visible_lines(result.simulation_text)}")
    lines += [f"Warning    {warning}" for warning in result.warnings]
    if result.policy_version is not None:
        lines.append(f"Policy     version {result.policy_version} ({result.policy_digest})")
    else:
        lines.append("Policy     none in force")
    if result.decision_id is not None:
        lines.append(f"Recorded   as decision #{result.decision_id}")
    return lines


def _decision_words(result: CheckResult) -> str:
    d = result.decision
    if d.decision == "deny":
        return "DENY: " + "; ".join(visible_lines(v.id) for v in d.rules if v.verdict == "deny")
    roles = f", including {' and '.join(d.required_roles)}" if d.required_roles else ""
    needs = f"{d.required_approvals} approvals from owners other than the proposer{roles}"
    if d.decision == "allow":
        return f"ALLOW with {needs}"
    delay = f"; then it waits {d.delay_seconds // 3600} hours" if d.delay_seconds else ""
    return f"ESCALATE: needs {needs}{delay}"


def policy_state(problem: PolicyNotInForce | None) -> str:
    from wallet_app.policy.governance import NoActivePolicy, PolicyTampered, PolicyUnverifiable

    if problem is None:
        return "active"
    for kind, name in ((NoActivePolicy, "no_policy"), (PolicyTampered, "tampered"),
                       (PolicyUnverifiable, "unverifiable")):
        if isinstance(problem, kind):
            return name
    return "not_in_force"


def _approval_json(a: ApprovalCheck) -> dict[str, Any]:
    return {"signer": a.signer, "signed_at": iso_time(a.signed_at), "counted": a.counted, "problem": a.problem}


def active_json(active: ActivePolicy) -> dict[str, Any]:
    doc = active.document
    return {
        "version": active.version, "digest": active.digest, "name": doc.name, "chain_id": doc.chain_id,
        "governance_vault": active.governance_vault, "required": active.required,
        "proposed_by": active.proposed_by, "proposed_at": iso_time(active.proposed_at),
        "quorum_reached_at": iso_time(active.quorum_reached_at), "effective_since": iso_time(active.effective_since),
        "approved_by": list(active.approved_by), "approvals": [_approval_json(a) for a in active.approvals],
        "supersedes": active.supersedes, "loosened": active.loosened,
        "changes": [{"direction": c.direction, "text": c.text} for c in active.changes], "notes": list(active.notes),
        "rules": [{"id": r.id, "action": r.action, "text": text}
                  for r, text in zip(doc.rules, active.describe_rules(), strict=True)],
    }


def draft_json(d: PolicyDraft) -> dict[str, Any]:
    return {
        "version": d.version, "digest": d.digest, "state": d.state, "proposed_by": d.proposed_by,
        "proposed_at": iso_time(d.proposed_at), "supersedes": d.supersedes, "governance_vault": d.governance_vault,
        "approvals": len(d.approved_by), "required": d.required, "approved_by": list(d.approved_by),
        "approval_checks": [_approval_json(a) for a in d.approvals], "loosens": d.loosens,
        "effective_at": iso_time(d.effective_at), "stale": d.stale, "problems": list(d.problems),
    }


def named(address: str, names: dict[str, str]) -> str:
    name = names.get(address)
    return f"{visible_lines(name)} {address}" if name else address


def show_lines(active: ActivePolicy | None, problem: PolicyNotInForce | None, drafts: list[PolicyDraft],
                names: dict[str, str]) -> list[str]:
    lines: list[str] = []
    if active is None:
        assert problem is not None
        state = policy_state(problem).replace("_", " ")
        lines.append(f"NO POLICY IN FORCE ({state}): {visible_lines(problem.user_message)}")
    else:
        doc = active.document
        lines += [f"Policy in force: version {active.version}, \"{visible_lines(doc.name)}\" (chain {doc.chain_id})",
                  f"  digest          {active.digest}",
                  f"  in force since  {format_time(active.effective_since)} "
                  f"(quorum reached {format_time(active.quorum_reached_at)})",
                  f"  proposed by     {named(active.proposed_by, names)} at {format_time(active.proposed_at)}",
                  f"  approved by     {len(active.approved_by)} of the {active.required} owners the quorum of "
                  f"{named(active.governance_vault, names)} needs:"]
        for a in active.approvals:
            counted = "" if a.counted else f"  (not counted: {visible_lines(a.problem)})"
            lines.append(f"    {named(a.signer, names)} signed {format_time(a.signed_at)}{counted}")
        lines += [f"  note: {visible_lines(n)}" for n in active.notes]
        lines.append("Rules, tried from the top; the first that matches decides; anything no rule allows is denied:")
        for number, (rule, text) in enumerate(zip(doc.rules, active.describe_rules(), strict=True), start=1):
            lines.append(f"  {number}. {visible_lines(rule.id)}: {visible_lines(text)}")
    if drafts:
        lines.append("Drafts waiting:")
        for d in drafts:
            lines += ["  " + line for line in draft_lines(d, names)]
    else:
        lines.append("No drafts waiting.")
    return lines


def draft_lines(d: PolicyDraft, names: dict[str, str]) -> list[str]:
    required = "?" if d.required is None else str(d.required)
    effect = f"; takes effect {format_time(d.effective_at)}" if d.effective_at else ""
    loosens = {True: "; loosens the policy (waits the cooling-off after the quorum)",
               False: "; only tightens (takes effect at the quorum)", None: ""}[d.loosens]
    lines = [f"version {d.version} {d.digest}: {d.state}, {len(d.approved_by)} of {required} approvals{effect}"
             f"{loosens}",
             f"  proposed by {named(d.proposed_by, names)} at {format_time(d.proposed_at)}"]
    lines += [f"  approved by {named(a, names)}" for a in d.approved_by]
    lines += [f"  problem: {visible_lines(p)}" for p in d.problems]
    return lines
