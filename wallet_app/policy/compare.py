"""What a draft policy changes against the active one, each change marked as loosening, tightening or neutral.

A loosening change waits the cooling-off delay after its quorum; a tightening one takes effect at once (I6). When in
doubt the answer is "loosens": a change this module cannot classify, a reordering of rules (first match decides), a
renamed contact. A rule that matches less (a lower limit, a narrower window) tightens only when every rule below it
that could match the same transactions (same assets, vaults, kinds, destinations) is at least as strict, because what
it no longer matches falls to those rules; otherwise it loosens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.rules.base import Book, Condition, Relation, Rule
from wallet_app.policy.rules.conditions import describe_rule
from wallet_app.policy.rules.destinations import Destinations
from wallet_app.policy.rules.scope import Kinds
from wallet_app.policy.travel_rule_section import format_threshold
from wallet_app.policy.vault_section import format_pct

Direction = Literal["loosens", "tightens", "neutral"]
STRICTNESS = {"allow": 0, "escalate": 1, "deny": 2}


@dataclass(frozen=True, slots=True)
class PolicyChange:
    direction: Direction
    text: str


def is_loosening(changes: Iterable[PolicyChange]) -> bool:
    return any(c.direction == "loosens" for c in changes)


def compare_policies(active: PolicyDocument, draft: PolicyDocument) -> list[PolicyChange]:
    out: list[PolicyChange] = []
    _head(active, draft, out)
    _contacts(active, draft, out)
    _assets(active, draft, out)
    _roles(active, draft, out)
    _pinned(active, draft, out)
    _vaults(active, draft, out)
    _rules(active, draft, out)
    return out


def _by_number(out: list[PolicyChange], what: str, old: int, new: int, *, higher: Direction, unit: str = "") -> None:
    if old != new:
        lower: Direction = "tightens" if higher == "loosens" else "loosens"
        out.append(PolicyChange(higher if new > old else lower, f"{what} changes from {old}{unit} to {new}{unit}"))


def _head(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    if d.version <= a.version:
        out.append(PolicyChange("loosens", f"the version does not increase ({a.version} to {d.version})"))
    else:
        out.append(PolicyChange("neutral", f"version {a.version} becomes version {d.version}"))
    if a.name != d.name:
        out.append(PolicyChange("neutral", f"the policy is renamed from \"{a.name}\" to \"{d.name}\""))
    if a.chain_id != d.chain_id:
        out.append(PolicyChange("loosens", f"the chain changes from {a.chain_id} to {d.chain_id}"))
    if a.timezone != d.timezone:
        out.append(PolicyChange("loosens", f"the time zone of every window changes from {a.timezone} to "
                                           f"{d.timezone}"))
    _by_number(out, "the cooling-off delay for loosening changes", a.loosening_delay_seconds // 3600,
               d.loosening_delay_seconds // 3600, higher="tightens", unit=" hours")
    if a.require_simulation != d.require_simulation:
        required = "now required" if d.require_simulation else "no longer required"
        out.append(PolicyChange("tightens" if d.require_simulation else "loosens", f"a simulation is {required}"))
    ga, gd = a.governance, d.governance
    if ga.vault != gd.vault:
        out.append(PolicyChange("loosens", f"the governance vault changes from {ga.vault} to {gd.vault}"))
    _by_number(out, "the governance quorum", ga.quorum, gd.quorum, higher="tightens")
    _by_number(out, "the governance delay", ga.delay_seconds // 3600, gd.delay_seconds // 3600, higher="tightens",
               unit=" hours")
    _sets(out, "governance roles", set(ga.roles), set(gd.roles), added="tightens")
    _sets(out, "closed days", {str(x) for x in a.closed_days}, {str(x) for x in d.closed_days}, added="tightens")
    if a.denylist_file != d.denylist_file:
        direction: Direction = "tightens" if a.denylist_file is None else "loosens"
        out.append(PolicyChange(direction, f"the denylist file changes from {a.denylist_file or '(none)'} to "
                                           f"{d.denylist_file or '(none)'}"))
    sa, sd = a.statements, d.statements
    _sets(out, "roles that may ask for a signed statement", set(sa.requesters if sa else ()),
          set(sd.requesters if sd else ()), added="loosens")
    if sa and sd:
        _by_number(out, "the days a signed statement may be relied on", sa.valid_days, sd.valid_days,
                   higher="loosens")


def _sets(out: list[PolicyChange], what: str, old: set[str], new: set[str], *, added: Direction) -> None:
    removed: Direction = "loosens" if added == "tightens" else "tightens"
    for item in sorted(new - old):
        out.append(PolicyChange(added, f"{what}: {item} is added"))
    for item in sorted(old - new):
        out.append(PolicyChange(removed, f"{what}: {item} is removed"))


def _contacts(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    old, new = a.book.contacts, d.book.contacts
    for address, c in new.items():
        before = old.get(address)
        if before is None:
            of = f", counterparty {c.counterparty}" if c.counterparty else ""
            out.append(PolicyChange("loosens", f"new contact {c.label} ({c.kind}, {address}{of})"))
            continue
        if before.counterparty != c.counterparty:
            out.append(PolicyChange("loosens", f"contact {c.label} names counterparty "
                                               f"{c.counterparty or '(none)'} instead of "
                                               f"{before.counterparty or '(none)'}"))
        if before.label != c.label:
            out.append(PolicyChange("loosens", f"contact {address} is renamed from {before.label} to {c.label}"))
        if before.kind != c.kind:
            out.append(PolicyChange("loosens", f"contact {c.label} changes kind from {before.kind} to {c.kind}"))
        if before.added != c.added:
            out.append(PolicyChange("loosens" if c.added < before.added else "tightens",
                                    f"contact {c.label} is dated {c.added:%Y-%m-%d %H:%M} UTC instead of "
                                    f"{before.added:%Y-%m-%d %H:%M} UTC (its cooling-off)"))
    for address, c in old.items():
        if address not in new:
            out.append(PolicyChange("tightens", f"contact {c.label} ({c.kind}, {address}) is removed"))


def _assets(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    old, new = a.book.assets, d.book.assets
    for symbol, asset in new.items():
        before = old.get(symbol)
        if before is None:
            out.append(PolicyChange("loosens", f"new asset {symbol} ({asset.key}, {asset.decimals} decimals)"))
        elif (before.key, before.decimals) != (asset.key, asset.decimals):
            out.append(PolicyChange("loosens", f"asset {symbol} now means {asset.key} with {asset.decimals} decimals "
                                               f"(was {before.key} with {before.decimals})"))
        elif before.permissioned != asset.permissioned:
            out.append(PolicyChange("tightens" if asset.permissioned else "loosens",
                                    f"asset {symbol} is {'now' if asset.permissioned else 'no longer'} checked as a "
                                    "permissioned (ERC-3643) token"))
    for symbol in old.keys() - new.keys():
        out.append(PolicyChange("tightens", f"asset {symbol} is removed"))


def _roles(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    old, new = a.book.roles, d.book.roles
    for name, role in new.items():
        before = old.get(name)
        if before is None:
            out.append(PolicyChange("loosens", f"new role {name} with {len(role.members)} members"))
            continue
        _sets(out, f"members of role {name}", set(before.members), set(role.members), added="loosens")
    for name in old.keys() - new.keys():
        out.append(PolicyChange("tightens", f"role {name} is removed"))


def _pinned(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    old, new = a.book.pinned, d.book.pinned
    for address, target in new.items():
        before = old.get(address)
        if before is None:
            out.append(PolicyChange("loosens", f"new pinned DELEGATECALL target {target.label} ({address})"))
        elif before != target:
            out.append(PolicyChange("loosens", f"pinned DELEGATECALL target {address} changes its label or code "
                                               "hash"))
    for address, target in old.items():
        if address not in new:
            out.append(PolicyChange("tightens", f"pinned DELEGATECALL target {target.label} ({address}) is removed"))


# -- rules ----------------------------------------------------------------------------------------------------------

def _vaults(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    """A new vault entry, a storage tier or a client-assets flag that moves assets out of the cold report's reach, an
    approver added or a threshold lowered loosens; when in doubt, loosens."""
    old_limit, new_limit = a.travel_rule_threshold_hkd, d.travel_rule_threshold_hkd
    if old_limit != new_limit:
        out.append(PolicyChange("tightens" if new_limit < old_limit else "loosens", "the Travel Rule threshold "
                                f"changes from {format_threshold(old_limit)} to {format_threshold(new_limit)}"))
    if a.cold_threshold_bp != d.cold_threshold_bp:
        out.append(PolicyChange("tightens" if d.cold_threshold_bp > a.cold_threshold_bp else "loosens",
                                f"the cold-storage threshold changes from {format_pct(a.cold_threshold_bp)} % to "
                                f"{format_pct(d.cold_threshold_bp)} %"))
    old = {v.address: v for v in a.vaults}
    for vault in d.vaults:
        before = old.pop(vault.address, None)
        if before is None:
            out.append(PolicyChange("loosens", f"new {vault.kind} vault {vault.label} ({vault.storage}"
                                               f"{', client assets' if vault.client_assets else ''})"))
            continue
        if before.kind != vault.kind:
            out.append(PolicyChange("loosens", f"vault {vault.label} changes kind from {before.kind} to {vault.kind}"))
        if before.storage != vault.storage:
            out.append(PolicyChange("loosens", f"vault {vault.label} moves from {before.storage} to {vault.storage} "
                                               "storage"))
        if before.client_assets != vault.client_assets:
            held = "holds client assets" if vault.client_assets else "no longer holds client assets"
            out.append(PolicyChange("loosens", f"vault {vault.label} {held}"))
        _sets(out, f"approvers of vault {vault.label}", set(before.approvers), set(vault.approvers),
              added="loosens")
        _by_number(out, f"the approvals vault {vault.label} needs", before.threshold, vault.threshold,
                   higher="tightens")
    for vault in old.values():
        out.append(PolicyChange("loosens" if vault.client_assets else "tightens",
                                f"vault {vault.label} is removed from [[vaults]]"))


def at_least_as_strict(rule: Rule, than: Rule) -> bool:
    """Whatever `than` decides, `rule` decides the same or more strictly (conditions aside)."""
    if rule.action == "deny":
        return True
    if than.action == "deny":
        return False
    return (STRICTNESS[rule.action] >= STRICTNESS[than.action] and rule.approvals >= than.approvals
            and set(rule.roles) >= set(than.roles))


def _rules(a: PolicyDocument, d: PolicyDocument, out: list[PolicyChange]) -> None:
    old = {r.id: (i, r) for i, r in enumerate(a.rules)}
    new = {r.id: (i, r) for i, r in enumerate(d.rules)}
    kept_old = [r.id for r in a.rules if r.id in new]
    kept_new = [r.id for r in d.rules if r.id in old]
    if kept_old != kept_new:
        out.append(PolicyChange("loosens", "the order of the rules changes: the first match decides, so a rule may "
                                           "now decide before a stricter one"))
    for index, rule in enumerate(d.rules):
        if rule.id not in old:
            text = f"new rule {rule.id} at position {index + 1}: {describe_rule(rule, d.book)}"
            out.append(PolicyChange("tightens" if rule.action == "deny" else "loosens", text))
    for index, rule in enumerate(a.rules):
        if rule.id in new:
            continue
        text = f"rule {rule.id} is removed: {describe_rule(rule, a.book)}"
        if rule.action == "deny":
            out.append(PolicyChange("loosens", text))
        else:
            before = next((new[r.id][0] for r in reversed(a.rules[:index]) if r.id in new), -1)
            out.append(_fall_through(rule, d.rules[before + 1:], text))
    for rule_id, (index, rule) in new.items():
        if rule_id in old:
            _rule_changes(old[rule_id][1], rule, d.rules[index + 1:], a.book, d.book, out)


def may_overlap(one: Rule, other: Rule) -> bool:
    """False when no transaction can match both: different assets, vaults, kinds or destinations."""
    for mine, theirs in ((one.assets, other.assets), (one.vaults, other.vaults)):
        if mine is not None and theirs is not None and not mine & theirs:
            return False
    kinds, other_kinds = one.condition("kinds"), other.condition("kinds")
    if isinstance(kinds, Kinds) and isinstance(other_kinds, Kinds) and not kinds.kinds & other_kinds.kinds:
        return False
    to, other_to = one.condition("destinations"), other.condition("destinations")
    return not (isinstance(to, Destinations) and isinstance(other_to, Destinations) and to.disjoint(other_to))


def _fall_through(rule: Rule, later: Iterable[Rule], text: str) -> PolicyChange:
    """`rule` matches less (or nothing): what it no longer matches goes to the rules below it that may match it."""
    if all(at_least_as_strict(r, rule) for r in later if may_overlap(r, rule)):
        return PolicyChange("tightens", text)
    return PolicyChange("loosens", text + " (what it no longer matches falls to rules below it that are less strict)")


def _rule_changes(old: Rule, new: Rule, later: tuple[Rule, ...], old_book: Book, new_book: Book,
                  out: list[PolicyChange]) -> None:
    name = f"rule {new.id}"
    if old.description != new.description:
        out.append(PolicyChange("neutral", f"{name}: its description changes"))
    if (old.action, old.approvals, set(old.roles)) != (new.action, new.approvals, set(new.roles)):
        text = (f"{name}: {_outcome(old)} becomes {_outcome(new)}")
        stricter = at_least_as_strict(new, old)
        out.append(PolicyChange("tightens" if stricter and not at_least_as_strict(old, new) else "loosens", text))
    mine, theirs = new.keyed, old.keyed
    for key in sorted(mine.keys() | theirs.keys()):
        relation = _relation(mine.get(key), theirs.get(key))
        if relation == "same":
            continue
        text = (f"{name}: \"{_text(theirs.get(key), old_book)}\" becomes \"{_text(mine.get(key), new_book)}\"")
        if relation == "different":
            out.append(PolicyChange("loosens", text + " (neither wider nor narrower)"))
        elif (relation == "wider") == (new.action == "deny"):
            out.append(PolicyChange("tightens", text) if new.action == "deny" else _fall_through(new, later, text))
        else:
            out.append(PolicyChange("loosens", text))


def _relation(new: Condition | None, old: Condition | None) -> Relation:
    if new is None and old is None:
        return "same"
    if new is None:
        return "wider"  # the condition is dropped: the rule matches more
    if old is None:
        return "narrower"
    return new.relation(old)


def _text(condition: Condition | None, book: Book) -> str:
    return condition.describe(book) if condition is not None else "(no condition)"


def _outcome(rule: Rule) -> str:
    if rule.action == "deny":
        return "deny"
    roles = f" including {', '.join(rule.roles)}" if rule.roles else ""
    return f"{rule.action} with {rule.approvals or 'the threshold of'} approvals{roles}"
