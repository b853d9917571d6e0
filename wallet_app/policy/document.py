"""The policy document: a versioned TOML file a compliance officer can read, parsed strictly into frozen values.

    [policy]
    version = 3                            # a whole number above 0; each approved change raises it
    name = "Harbour Custody transfer policy"
    chain_id = 1770177                     # the chain its addresses and pinned code hashes are on
    timezone = "Asia/Hong_Kong"            # IANA zone of every time window and closed day
    loosening_delay_hours = 24             # a change that loosens waits this long after its quorum
    require_simulation = true              # optional, default true: no simulation of the exact transaction => deny

    [governance]                           # who approves policy changes, and vault self-governance
    vault = "0x…"                          # its owners sign policy changes (EIP-712)
    quorum = 3                             # signatures for a policy change and for any governance transaction
    delay_hours = 48                       # owner/threshold/module/guard/upgrade changes wait this long after quorum
    roles = ["compliance-officer"]         # optional: roles that must be among the approvers of those

    [calendar]
    closed = [2026-12-25, 2027-01-01]      # optional: days no time window opens (local dates)

    [denylist]
    file = "sanctions.txt"                 # optional: in the profile's policy directory; one address per line, # notes

    [statements]                           # optional: who may ask a vault's owners to sign a holding statement
    requesters = ["operations"]            # roles; without this table nobody may ask
    valid_days = 30                        # optional, 1 to 366: how long a signed statement may be relied on

    [storage]                              # optional: cold_threshold_pct = "98" (see wallet_app.policy.vault_section)

    [travel_rule]                          # optional: threshold_hkd = "8000" (wallet_app.policy.travel_rule_section)

    [[vaults]]                             # optional: each vault's kind (safe | account), storage tier (hot | warm |
    address = "0x…"                        # cold), client_assets flag; an account vault's approvers and threshold

    [[roles]]                              # named groups of approvers
    name = "treasury-officer"
    members = ["0x…", "0x…"]

    [[contacts]]                           # the allowlist: the only possible destinations of a rule
    label = "Kowloon Pension Trust"
    address = "0x…"                        # EIP-55 checksummed; anything else is refused (B3, B4)
    kind = "investor"                      # vault | investor | counterparty | contract
    added = 2025-01-06T00:00:00Z           # when it was approved: the start of its cooling-off
    counterparty = "Kowloon Pension Trust" # its counterparty record (required for a new investor or counterparty)

    [[assets]]                             # assets the rules may name; the symbol is a local alias only
    symbol = "HKDH"
    address = "0x…"                        # or "native" for the chain's own coin
    decimals = 6                           # pinned: amounts in the rules are read with these decimals
    permissioned = false                   # optional: true for ERC-3643 tokens

    [[pinned_delegatecall]]                # the only DELEGATECALL targets: address and runtime code hash
    label = "MultiSendCallOnly 1.4.1"
    address = "0x…"
    code_hash = "0x…"

    [[rules]]                              # top-down, first match decides; nothing matches => deny
    ... see wallet_app.policy.rules.conditions for the keys of a rule, and each rule family's module
    [rules.when]                           # `when` as a sub-table, for conditions too long for one line (TOML
    vaults = ["Harbour client vault"]      # inline tables must fit on one line)

Refused, with the line and the reason: TOML syntax errors, unknown tables, keys, rule types (conditions) and actions;
an address that is not exactly 0x and 40 hex digits with a valid EIP-55 checksum; a limit in an asset not in
`[[assets]]`; duplicate rule ids, contacts, assets or roles; a version that is not a whole number above 0; a rule
that can never match because an earlier rule matches everything it would (shadowed). Amounts are decimal texts in
quotes, never floats. The digest is keccak-256 of the exact UTF-8 text, which is what the governance quorum signs.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eth_hash.auto import keccak

from wallet_app.errors import ConfigError
from wallet_app.policy.document_lines import LineMap
from wallet_app.policy.rules.base import CONTACT_KINDS, NATIVE, Asset, Book, Contact, PinnedTarget, Role, Rule
from wallet_app.policy.rules.conditions import describe_rule, parse_rule, shadowing
from wallet_app.policy.rules.parsing import (
    ParseContext,
    Problem,
    check_keys,
    expect_bool,
    expect_int,
    expect_str,
    expect_str_list,
    expect_table,
    parse_address,
    parse_code_hash,
)
from wallet_app.policy.travel_rule_section import DEFAULT_TRAVEL_RULE_THRESHOLD, read_travel_rule
from wallet_app.policy.vault_section import DEFAULT_COLD_THRESHOLD_BP, PolicyVault, read_storage, read_vault

SECTIONS = ("policy", "governance", "calendar", "denylist", "statements", "storage", "travel_rule", "roles",
            "contacts", "assets", "vaults", "pinned_delegatecall", "rules")
DEFAULT_STATEMENT_VALID_DAYS = 30
ARRAYS = ("roles", "contacts", "assets", "vaults", "pinned_delegatecall", "rules")
# Ids of the hard blocks and the catch-all; a rule may not take them.
RESERVED_IDS = frozenset({"chain", "decoding", "delegatecall", "governance", "gas-refund", "token-approvals",
                          "blind-calls", "lookalike", "denylist", "erc3643", "simulation", "default-deny",
                          "segregation-of-duties", "rejection", "engine"})
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_HEX40 = re.compile(r"0x[0-9a-fA-F]{40}")


class PolicyFileError(ConfigError):
    """A policy file that is refused; `line` is where (None when the whole file is concerned). The active policy stays
    in force."""

    code = "policy_file"

    def __init__(self, reason: str, *, source: str = "policy", line: int | None = None) -> None:
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {reason}")
        self.reason = reason
        self.line = line


@dataclass(frozen=True, slots=True)
class Governance:
    vault: str
    quorum: int
    delay_seconds: int
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementSigning:
    """Who may ask a vault's owners to sign a holding statement, and for how long it may be relied on."""

    requesters: tuple[str, ...]  # role names
    valid_days: int = DEFAULT_STATEMENT_VALID_DAYS


@dataclass(frozen=True)
class PolicyDocument:
    version: int
    name: str
    text: str
    digest: bytes  # keccak-256 of `text` as UTF-8
    chain_id: int
    timezone: str
    loosening_delay_seconds: int
    require_simulation: bool
    governance: Governance
    contacts: tuple[Contact, ...]
    assets: tuple[Asset, ...]
    roles: tuple[Role, ...]
    pinned_delegatecall: tuple[PinnedTarget, ...]
    rules: tuple[Rule, ...]
    closed_days: tuple[date, ...] = ()
    denylist_file: str | None = None
    statements: StatementSigning | None = None  # None: nobody may ask for a signed statement
    vaults: tuple[PolicyVault, ...] = ()  # [[vaults]]: kind, storage tier, client assets, account vaults' approvers
    cold_threshold_bp: int = DEFAULT_COLD_THRESHOLD_BP  # [storage]: client assets to keep cold, 0.01 % units
    travel_rule_threshold_hkd: int = DEFAULT_TRAVEL_RULE_THRESHOLD  # [travel_rule], in 10^-6 HKD
    book: Book = field(compare=False, repr=False, default_factory=lambda: Book((), (), (), ()))
    zone_name: str = field(compare=False, default="")
    _candidates: dict[tuple[str, str | None], tuple[Rule, ...]] = field(compare=False, repr=False,
                                                                       default_factory=dict)
    _index: dict[str, dict[str | None, list[int]]] = field(compare=False, repr=False, default_factory=dict)

    @property
    def digest_hex(self) -> str:
        return "0x" + self.digest.hex()

    def describe_rules(self) -> list[str]:
        """Each rule in plain words, in the order they are tried."""
        return [describe_rule(rule, self.book) for rule in self.rules]

    def vault(self, address: str) -> PolicyVault | None:
        return next((v for v in self.vaults if v.address == address), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def candidate_rules(self, vault: str, asset: str | None) -> tuple[Rule, ...]:
        """The rules, in order, that could match a leaf of `vault` in `asset` (rules limited to other vaults or assets
        left out), from an index by vault and by asset; computed once per pair."""
        key = (vault, asset)
        found = self._candidates.get(key)
        if found is None:
            if not self._index:
                self._index.update(_index(self.rules))
            by_vault, by_asset = self._index["vault"], self._index["asset"]
            positions = (set(by_vault.get(vault, ())) | set(by_vault.get(None, ()))) & (
                set(by_asset.get(asset, ())) | set(by_asset.get(None, ())))
            found = tuple(self.rules[i] for i in sorted(positions))
            if len(self._candidates) < 65536:
                self._candidates[key] = found
        return found


def _index(rules: tuple[Rule, ...]) -> dict[str, dict[str | None, list[int]]]:
    """Rule positions by the vault and by the asset they are limited to (None: any)."""
    out: dict[str, dict[str | None, list[int]]] = {"vault": {}, "asset": {}}
    for position, rule in enumerate(rules):
        for name, keys in (("vault", rule.vaults), ("asset", rule.assets)):
            for key in (None,) if keys is None else keys:
                out[name].setdefault(key, []).append(position)
    return out


def parse_policy(text: str, *, source: str = "policy") -> PolicyDocument:
    """The policy in `text`, or PolicyFileError naming the line and the reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_LINE.search(message)
        line = int(found.group(1)) if found else None
        reason = _TOML_LINE.sub("", message)
        column = f" (column {found.group(2)})" if found else ""
        raise PolicyFileError(f"not valid TOML: {reason}{column}", source=source, line=line) from None
    return _Parser(text, data, source).parse()


class _Parser:
    def __init__(self, text: str, data: dict[str, Any], source: str) -> None:
        self.text, self.data, self.source = text, data, source
        self._lines: LineMap | None = None

    @property
    def lines(self) -> LineMap:
        if self._lines is None:
            self._lines = LineMap(self.text)
        return self._lines

    def fail(self, problem: Problem, header: int | None) -> PolicyFileError:
        line = self.lines.key(header, problem.key) if problem.key else header
        return PolicyFileError(problem.reason, source=self.source, line=line)

    def section(self, name: str, read: Callable[[dict[str, Any]], Any], *, required: bool = True) -> Any:
        if name not in self.data:
            if required:
                raise PolicyFileError(f"the file needs a [{name}] table", source=self.source)
            return None
        try:
            return read(expect_table(self.data[name], f"[{name}]"))
        except Problem as problem:
            raise self.fail(problem, self.lines.table(name)) from None

    def array(self, name: str, read: Callable[[dict[str, Any]], Any]) -> list[Any]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise PolicyFileError(f"{name} must be written as [[{name}]] entries", source=self.source,
                                  line=self.lines.key(None, name))
        out = []
        for index, entry in enumerate(value):
            try:
                out.append(read(expect_table(entry, f"[[{name}]] entry {index + 1}")))
            except Problem as problem:
                raise self.fail(problem, self.lines.array_item(name, index)) from None
        return out

    def parse(self) -> PolicyDocument:
        try:
            check_keys(self.data, SECTIONS, "the file", noun="table")
        except Problem as problem:
            key = problem.key or ""
            line = self.lines.array_item(key, 0) or self.lines.table(key) or self.lines.key(None, key)
            raise PolicyFileError(problem.reason, source=self.source, line=line) from None
        head = self.section("policy", _read_head)
        zone = head["zone"]
        closed = self.section("calendar", _read_calendar, required=False) or ()
        assets = self.array("assets", _read_asset)
        contacts = self.array("contacts", lambda t: _read_contact(t, zone))
        roles = self.array("roles", _read_role)
        pinned = self.array("pinned_delegatecall", _read_pinned)
        for name, items, key in (("assets", assets, "symbol"), ("assets", assets, "key"),
                                 ("contacts", contacts, "address"), ("contacts", contacts, "label"),
                                 ("roles", roles, "name"), ("pinned_delegatecall", pinned, "address")):
            self._unique(name, items, key)
        book = Book(contacts, assets, roles, pinned)
        governance = self.section("governance", lambda t: _read_governance(t, book))
        denylist = self.section("denylist", _read_denylist, required=False)
        statements = self.section("statements", lambda t: _read_statements(t, book), required=False)
        cold_threshold = self.section("storage", read_storage, required=False) or DEFAULT_COLD_THRESHOLD_BP
        travel = self.section("travel_rule", read_travel_rule, required=False)
        vaults = self.array("vaults", lambda t: read_vault(t, book))
        self._unique("vaults", vaults, "address")
        zone_name = _zone_name(zone)
        rules = self.array("rules", lambda t: self._rule(t, ParseContext(book, zone, zone_name, frozenset(closed),
                                                                         str(t.get("id", "")))))
        self._check_rules(rules)
        return PolicyDocument(
            version=head["version"], name=head["name"], text=self.text, digest=keccak(self.text.encode("utf-8")),
            chain_id=head["chain_id"], timezone=head["timezone"],
            loosening_delay_seconds=head["loosening_delay_seconds"], require_simulation=head["require_simulation"],
            governance=governance, contacts=tuple(contacts), assets=tuple(assets), roles=tuple(roles),
            pinned_delegatecall=tuple(pinned), rules=tuple(rules), closed_days=tuple(sorted(closed)),
            denylist_file=denylist, statements=statements, vaults=tuple(vaults), cold_threshold_bp=cold_threshold,
            travel_rule_threshold_hkd=DEFAULT_TRAVEL_RULE_THRESHOLD if travel is None else travel,
            book=book, zone_name=zone_name,
        )

    @staticmethod
    def _rule(table: dict[str, Any], ctx: ParseContext) -> Rule:
        rule_id = table.get("id")
        if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
            raise Problem("a rule needs an id of letters, digits, '-', '_' or '.' (up to 64), such as "
                          "\"small-hkdh-to-investors\"", key="id")
        if rule_id in RESERVED_IDS:
            raise Problem(f"rule id '{rule_id}' is the name of a built-in check: choose another", key="id")
        return parse_rule(table, ctx)

    def _unique(self, name: str, items: list[Any], key: str) -> None:
        seen: dict[Any, int] = {}
        for index, item in enumerate(items):
            value = getattr(item, key)
            if value in seen:
                shown = "the same address" if key == "key" else f"{key} '{value}'"
                raise PolicyFileError(f"[[{name}]] entries {seen[value] + 1} and {index + 1} have {shown}",
                                      source=self.source, line=self.lines.array_item(name, index))
            seen[value] = index

    def _check_rules(self, rules: list[Rule]) -> None:
        seen: dict[str, int] = {}
        keyed = [r.keyed for r in rules]
        key_sets = [frozenset(k) for k in keyed]
        for index, rule in enumerate(rules):
            if rule.id in seen:
                line = self.lines.array_item("rules", index)
                raise PolicyFileError(f"rule id '{rule.id}' is used twice (rules {seen[rule.id] + 1} and {index + 1})",
                                      source=self.source, line=self.lines.key(line, "id"))
            seen[rule.id] = index
            for earlier in range(index):
                if key_sets[earlier] <= key_sets[index] and shadowing(keyed[earlier], keyed[index]):
                    why = "has no conditions" if not keyed[earlier] else "matches everything this one would"
                    raise PolicyFileError(
                        f"rule '{rule.id}' can never match: the earlier rule '{rules[earlier].id}' "
                        f"(line {self.lines.array_item('rules', earlier)}) {why}, and the first match decides. "
                        "Move the narrower rule above the broader one", source=self.source,
                        line=self.lines.array_item("rules", index))


def _read_head(t: dict[str, Any]) -> dict[str, Any]:
    check_keys(t, ("version", "name", "chain_id", "timezone", "loosening_delay_hours", "require_simulation"),
               "[policy]", required=("version", "name", "chain_id", "timezone", "loosening_delay_hours"))
    version = t["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Problem("version must be a whole number above 0, such as 3", key="version")
    zone_text = expect_str(t["timezone"], "timezone")
    try:
        zone = ZoneInfo(zone_text)
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(f"timezone '{zone_text[:40]}' is not an IANA time zone such as \"Asia/Hong_Kong\"",
                      key="timezone") from None
    return {
        "version": version, "name": expect_str(t["name"], "name"),
        "chain_id": expect_int(t["chain_id"], "chain_id", minimum=1), "timezone": zone_text, "zone": zone,
        "loosening_delay_seconds": expect_int(t["loosening_delay_hours"], "loosening_delay_hours") * 3600,
        "require_simulation": expect_bool(t.get("require_simulation", True), "require_simulation"),
    }


def _read_calendar(t: dict[str, Any]) -> tuple[date, ...]:
    check_keys(t, ("closed",), "[calendar]")
    days = t.get("closed", [])
    if not isinstance(days, list) or any(isinstance(d, datetime) or not isinstance(d, date) for d in days):
        raise Problem("closed must be a list of dates such as [2026-12-25, 2027-01-01] (no quotes, no times)",
                      key="closed")
    return tuple(days)


def _read_asset(t: dict[str, Any]) -> Asset:
    check_keys(t, ("symbol", "address", "decimals", "permissioned", "name"), "an [[assets]] entry",
               required=("symbol", "address", "decimals"))
    symbol = expect_str(t["symbol"], "symbol")
    if symbol == NATIVE:
        raise Problem("'native' is not a symbol: use the coin's symbol with address = \"native\"", key="symbol")
    if "name" in t:
        expect_str(t["name"], "name")
    key = NATIVE if t["address"] == NATIVE else parse_address(t["address"], f"the address of {symbol}", key="address")
    decimals = expect_int(t["decimals"], f"decimals of {symbol}")
    if decimals > 77:
        raise Problem(f"decimals of {symbol} must be at most 77", key="decimals")
    permissioned = expect_bool(t.get("permissioned", False), "permissioned")
    return Asset(symbol, key, decimals, permissioned)


def _read_contact(t: dict[str, Any], zone: ZoneInfo) -> Contact:
    check_keys(t, ("label", "address", "kind", "added", "counterparty"), "a [[contacts]] entry",
               required=("label", "address", "kind", "added"))
    label = expect_str(t["label"], "label")
    address = parse_address(t["address"], f"the address of contact '{label}'", key="address")
    kind = t["kind"]
    if kind not in CONTACT_KINDS:
        raise Problem(f"kind of contact '{label}' must be one of {', '.join(CONTACT_KINDS)}", key="kind")
    added = t["added"]
    if isinstance(added, datetime):
        if added.tzinfo is None:
            raise Problem(f"added of contact '{label}' needs a time zone, e.g. 2025-01-06T00:00:00Z or +08:00",
                          key="added")
        added = added.astimezone(UTC)
    elif isinstance(added, date):
        added = datetime.combine(added, time(0), zone).astimezone(UTC)
    else:
        raise Problem(f"added of contact '{label}' must be a date or date-time without quotes, e.g. 2025-01-06",
                      key="added")
    counterparty = expect_str(t["counterparty"], "counterparty") if "counterparty" in t else ""
    return Contact(label, address, kind, added, counterparty)


def _read_role(t: dict[str, Any]) -> Role:
    check_keys(t, ("name", "members", "description"), "a [[roles]] entry", required=("name", "members"))
    name = expect_str(t["name"], "name")
    if "description" in t:
        expect_str(t["description"], "description")
    members = frozenset(parse_address(m, f"a member of role '{name}'", key="members") for m in
                        expect_str_list(t["members"], f"members of role '{name}'"))
    return Role(name, members)


def _read_pinned(t: dict[str, Any]) -> PinnedTarget:
    check_keys(t, ("label", "address", "code_hash"), "a [[pinned_delegatecall]] entry",
               required=("label", "address", "code_hash"))
    label = expect_str(t["label"], "label")
    return PinnedTarget(label, parse_address(t["address"], f"the address of {label}", key="address"),
                        parse_code_hash(t["code_hash"], f"code_hash of {label}"))


def _read_governance(t: dict[str, Any], book: Book) -> Governance:
    check_keys(t, ("vault", "quorum", "delay_hours", "roles"), "[governance]",
               required=("vault", "quorum", "delay_hours"))
    roles = expect_str_list(t["roles"], "roles of [governance]") if "roles" in t else ()
    for role in roles:
        if role not in book.roles:
            raise Problem(f"[governance] names role '{role}', which is not in [[roles]]", key="roles")
    return Governance(parse_address(t["vault"], "the governance vault", key="vault"),
                      expect_int(t["quorum"], "quorum", minimum=1),
                      expect_int(t["delay_hours"], "delay_hours") * 3600, roles)


def _read_statements(t: dict[str, Any], book: Book) -> StatementSigning:
    check_keys(t, ("requesters", "valid_days"), "[statements]", required=("requesters",))
    requesters = expect_str_list(t["requesters"], "requesters of [statements]")
    for role in requesters:
        if role not in book.roles:
            raise Problem(f"[statements] names role '{role}', which is not in [[roles]]", key="requesters")
    days = DEFAULT_STATEMENT_VALID_DAYS
    if "valid_days" in t:
        days = expect_int(t["valid_days"], "valid_days", minimum=1)
        if days > 366:
            raise Problem("valid_days is at most 366", key="valid_days")
    return StatementSigning(tuple(requesters), days)


def _read_denylist(t: dict[str, Any]) -> str:
    check_keys(t, ("file",), "[denylist]", required=("file",))
    name = expect_str(t["file"], "file")
    if "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        raise Problem("file must be a plain file name in the profile's policy directory, such as "
                      "\"sanctions.txt\"", key="file")
    return name


def _zone_name(zone: ZoneInfo) -> str:
    """The zone's abbreviation when it has one all year (HKT), else its IANA name."""
    winter = datetime(2026, 1, 15, 12, tzinfo=zone).tzname()
    summer = datetime(2026, 7, 15, 12, tzinfo=zone).tzname()
    if winter and winter == summer and winter.isalpha():
        return winter
    return zone.key


def read_denylist(policy_dir: Path, policy: PolicyDocument) -> frozenset[str] | None:
    """The policy's denylist file read now from `policy_dir`; empty when the policy names none, None (every transfer
    is denied) when it is missing or unreadable."""
    if policy.denylist_file is None:
        return frozenset()
    try:
        return parse_denylist((policy_dir / policy.denylist_file).read_text(encoding="utf-8"),
                              source=policy.denylist_file)
    except (OSError, UnicodeDecodeError, PolicyFileError):
        return None


def parse_denylist(text: str, *, source: str = "sanctions list") -> frozenset[str]:
    """The addresses of a denylist file (one per line; '#' starts a note), EIP-55 checksummed. Lower- or upper-case
    addresses are accepted here (published lists often are); a mixed-case one must carry a valid checksum."""
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.errors import InvalidAddress

    out = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip(" \t\r")
        if not line:
            continue
        if not _HEX40.fullmatch(line):
            raise PolicyFileError(f"'{line[:50]}' is not an address (0x and 40 hex digits)", source=source,
                                  line=number)
        try:
            out.add(to_checksum(line))
        except InvalidAddress as exc:
            raise PolicyFileError(exc.user_message, source=source, line=number) from None
    return frozenset(out)


def fill_policy_template(template: str, values: Mapping[str, str], *, source: str = "policy template") -> str:
    """Replace each `{name}` of a template (the demo policy's addresses, known only once the demo is deployed) with
    `values[name]`; a placeholder without a value is refused with its line."""
    for number, line in enumerate(template.splitlines(), start=1):
        for name in _PLACEHOLDER.findall(line):
            if name not in values:
                raise PolicyFileError(f"no value for the placeholder {{{name}}}", source=source, line=number)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
