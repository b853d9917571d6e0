"""A `[[rules]]` entry: its keys, its conditions compiled once at parse time, and its line in plain words.

    [[rules]]
    id = "small-hkdh-to-investors"          # unique; named in every decision
    description = "Routine client payouts"  # optional, the author's own words
    action = "allow"                        # allow | escalate | deny
    when = { vaults = [...], assets = [...], kinds = [...], destinations = ..., max_amount = ..., max_hkd = ... }
    approvals = 2                           # approvals besides the proposer; the vault's threshold is the floor
    roles = ["treasury-officer"]            # roles that must be among the approvers
    window = { ... }                        # conditions too: see window, velocity, destinations, fees
    velocity = { ... }
    cooling_off_hours = 72
    max_gas_price_gwei = 100

Every condition must hold for the rule to match; a rule with none matches everything (and shadows every rule below it,
which the parser refuses). `approvals` and `roles` mean nothing on a deny rule and are refused there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wallet_app.policy.rules.base import ACTIONS, Action, Book, Condition, Rule
from wallet_app.policy.rules.destinations import parse_cooling_off, parse_destinations
from wallet_app.policy.rules.fees import FeeCap, parse_fee_cap
from wallet_app.policy.rules.limits import Limit, parse_max_amount, parse_max_hkd
from wallet_app.policy.rules.parsing import (
    ParseContext,
    Problem,
    check_keys,
    expect_int,
    expect_str,
    expect_str_list,
    expect_table,
)
from wallet_app.policy.rules.scope import Assets, Kinds, parse_assets, parse_kinds, parse_vaults
from wallet_app.policy.rules.velocity import parse_velocity
from wallet_app.policy.rules.window import parse_window

Parser = Callable[[object, ParseContext], Condition]
# In reading order: `assets` before `max_amount`, which is read in the assets' decimals.
WHEN: dict[str, Parser] = {
    "vaults": parse_vaults,
    "assets": parse_assets,
    "kinds": parse_kinds,
    "destinations": parse_destinations,
    "max_amount": parse_max_amount,
    "max_hkd": parse_max_hkd,
}
RULE_CONDITIONS: dict[str, Parser] = {
    "window": parse_window,
    "velocity": parse_velocity,
    "cooling_off_hours": parse_cooling_off,
    "max_gas_price_gwei": parse_fee_cap,
}
RULE_KEYS = ("id", "description", "action", "when", "approvals", "roles", *RULE_CONDITIONS)
CONDITION_KEYS = (*WHEN, *RULE_CONDITIONS)


def parse_rule(table: Mapping[str, Any], ctx: ParseContext) -> Rule:
    where = f"rule '{ctx.rule_id}'"
    check_keys(table, RULE_KEYS, where, required=("id", "action"))
    action = table["action"]
    if action not in ACTIONS:
        raise Problem(f"unknown action {action!r} in {where}: use allow, escalate or deny", key="action")
    when = expect_table(table.get("when", {}), f"when of {where}")
    check_keys(when, WHEN, f"when of {where}", noun="rule type")
    conditions: list[Condition] = []
    for key, parser in WHEN.items():
        if key in when:
            conditions.append(_parse(parser, when[key], ctx, key))
            if isinstance(conditions[-1], Assets):
                ctx = _with_assets(ctx, conditions[-1])
    for key, parser in RULE_CONDITIONS.items():
        if key in table:
            conditions.append(_parse(parser, table[key], ctx, key))
    kinds = next((c for c in conditions if isinstance(c, Kinds)), None)
    about_assets = [c.key for c in conditions if c.key in ("assets", "max_amount", "max_hkd", "velocity")]
    if kinds is not None and kinds.kinds == {"call"} and about_assets:
        raise Problem(f"{where} is only about contract calls, which move no asset: it cannot use "
                      f"{', '.join(about_assets)} (it would never match)", key=about_assets[0])
    approvals, roles = _approvals(table, action, ctx, where)
    description = expect_str(table["description"], "description") if "description" in table else ""
    conditions.sort(key=lambda c: c.cost)
    fee = next((c.cap_wei for c in conditions if isinstance(c, FeeCap)), None)
    vaults = _intersect(c.vault_keys for c in conditions)
    assets = _intersect(c.asset_keys for c in conditions)
    return Rule(ctx.rule_id, action, tuple(conditions), approvals, roles, description, fee, vaults, assets)


def _parse(parser: Parser, value: object, ctx: ParseContext, key: str) -> Condition:
    try:
        return parser(value, ctx)
    except Problem as problem:
        raise Problem(f"rule '{ctx.rule_id}': {problem.reason}", key=problem.key or key) from None


def _with_assets(ctx: ParseContext, assets: Assets) -> ParseContext:
    chosen = tuple(a for a in ctx.book.assets.values() if a.key in assets.keys)
    return ParseContext(ctx.book, ctx.zone, ctx.zone_name, ctx.closed, ctx.rule_id, chosen)


def _approvals(table: Mapping[str, Any], action: Action, ctx: ParseContext, where: str) -> tuple[int, tuple[str, ...]]:
    if action == "deny":
        for key in ("approvals", "roles"):
            if key in table:
                raise Problem(f"{where} denies, so '{key}' means nothing there: remove it", key=key)
        return 0, ()
    approvals = expect_int(table["approvals"], f"approvals of {where}", minimum=1) if "approvals" in table else 0
    roles = expect_str_list(table["roles"], f"roles of {where}") if "roles" in table else ()
    for role in roles:
        if role not in ctx.book.roles:
            raise Problem(f"{where} names role '{role}', which is not in [[roles]]", key="roles")
    return approvals, roles


def _intersect(keys: Any) -> frozenset[str] | None:
    out: frozenset[str] | None = None
    for k in keys:
        if k is not None:
            out = k if out is None else out & k
    return out


def describe_rule(rule: Rule, book: Book) -> str:
    """The rule in plain words, e.g. "Allow transfers of HKDH from Harbour client vault to investors, up to 50,000.00
    HKDH and HKD 50,000.00 per transfer, on weekdays 09:00-18:00 HKT, with 2 approvals besides the proposer"."""
    keyed = rule.keyed
    kinds = keyed.get("kinds")
    head = [{"allow": "Allow", "escalate": "Escalate", "deny": "Deny"}[rule.action]]
    head.append(kinds.describe(book) if isinstance(kinds, Kinds) else "anything")
    assets = keyed.get("assets")
    if isinstance(assets, Assets):
        phrase = assets.describe(book)
        head.append(phrase if isinstance(kinds, Kinds) else phrase.replace("of ", "in ", 1))
    head += [keyed[k].describe(book) for k in ("vaults", "destinations") if k in keyed]
    clauses = [" ".join(head)]
    limits = [c.limit_text(book) for k in ("max_amount", "max_hkd") if isinstance(c := keyed.get(k), Limit)]
    if limits:
        clauses.append(f"up to {' and '.join(limits)} per transfer")
    clauses += [keyed[k].describe(book) for k in ("cooling_off_hours", "window", "velocity", "max_gas_price_gwei")
                if k in keyed]
    if not keyed:
        clauses[0] += " (no conditions)"
    if rule.action != "deny":
        if rule.approvals:
            approvals = f"with {rule.approvals} approval{'s' if rule.approvals != 1 else ''} besides the proposer"
        else:
            approvals = "with the vault's threshold of approvals besides the proposer"
        if rule.roles:
            approvals += ", including " + " and ".join(f"a {r}" for r in rule.roles)
        clauses.append(approvals)
    text = ", ".join(clauses)
    return f"{text} ({rule.description})" if rule.description else text


def shadowing(earlier: Mapping[str, Condition], later: Mapping[str, Condition]) -> bool:
    """True when a rule with conditions `earlier` matches everything a later rule with conditions `later` would: each
    of its conditions is absent (matches all) or at least as wide as the same condition of the later rule, which can
    then never decide anything (I2). Conditions by key, as `Rule.keyed` gives them."""
    for key, condition in earlier.items():
        other = later.get(key)
        if other is None or condition.relation(other) not in ("same", "wider"):
            return False
    return True
