"""Policy decisions per second: a policy of 1,000 rules and a 100,000-entry allowlist, Custos against a naive peer.

Setup (timed separately and printed): a TOML policy with CONTACTS contacts (investors and vaults), ASSETS tokens and
RULES rules (one per vault and asset, each with a destination allowlist, per-transfer limits in the asset and in HKD,
a weekday window, a 24-hour velocity limit and a cooling-off; one deny rule on top), then Custos's `parse_policy` on
it (checksums, compiled conditions, shadowing check). Measured in the same run, on the same random transfers already
decoded into DecisionFacts:
  - Custos: `evaluate(policy, facts)`: every hard block, the rules through the index, segregation of duties and the
    plain-words intent, as the CLI and the approval queue run it;
  - naive peer: the same rules read top-down from the raw `tomllib` dictionaries on every decision, with linear scans
    of the contact and asset lists and amounts parsed from their decimal text each time (what a policy check written
    without precompilation does). Only the rules, none of the hard blocks: it does less work.
Both must reach the same decision on every transfer; the ratio is Custos's decisions per second over the peer's.
"""

from __future__ import annotations

import os
import random
import sys
import time
import tomllib
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from eth_hash.auto import keccak

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wallet_app.domain.abi import build_call  # noqa: E402
from wallet_app.domain.addresses import from_bytes  # noqa: E402
from wallet_app.holdings.prices import build_fixed_hkd_price  # noqa: E402
from wallet_app.policy.decoder import decode_safe_tx  # noqa: E402
from wallet_app.policy.document import parse_policy  # noqa: E402
from wallet_app.policy.engine import evaluate  # noqa: E402
from wallet_app.policy.facts import DecisionFacts, SimulationOutcome  # noqa: E402

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "100000"))
VAULTS = int(os.environ.get("BENCH_VAULTS", "100"))
ASSETS = int(os.environ.get("BENCH_ASSETS", "10"))
DECISIONS = int(os.environ.get("BENCH_DECISIONS", "3000"))
NAIVE_DECISIONS = int(os.environ.get("BENCH_NAIVE_DECISIONS", "60"))
HK = ZoneInfo("Asia/Hong_Kong")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=HK)  # a Tuesday, in office hours
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def address(tag: str) -> str:
    return from_bytes(keccak(tag.encode())[:20])


def build_text(vaults: list[str], investors: list[str], tokens: list[str], officers: list[str]) -> str:
    out = ['[policy]\nversion = 1\nname = "Benchmark policy"\nchain_id = 1770177\ntimezone = "Asia/Hong_Kong"\n'
           "loosening_delay_hours = 24\n",
           f'[governance]\nvault = "{vaults[0]}"\nquorum = 2\ndelay_hours = 48\n',
           f'[[roles]]\nname = "officer"\nmembers = [{", ".join(f"{o!r}" for o in officers)}]\n'.replace("'", '"')]
    for i, vault in enumerate(vaults):
        out.append(f'[[contacts]]\nlabel = "Vault {i}"\naddress = "{vault}"\nkind = "vault"\nadded = 2025-01-02\n')
    for i, investor in enumerate(investors):
        out.append(f'[[contacts]]\nlabel = "Investor {i}"\naddress = "{investor}"\nkind = "investor"\n'
                   "added = 2025-01-06T00:00:00Z\n")
    for i, token in enumerate(tokens):
        out.append(f'[[assets]]\nsymbol = "TK{i}"\naddress = "{token}"\ndecimals = 6\n')
    out.append('[[rules]]\nid = "deny-investor-0"\naction = "deny"\nwhen = { destinations = ["Investor 0"] }\n')
    for v in range(len(vaults)):
        for a in range(len(tokens)):
            limit = 10_000 + 1_000 * ((v * 7 + a) % 40)
            out.append(
                f'[[rules]]\nid = "vault-{v}-tk{a}"\naction = "allow"\napprovals = 2\n'
                f'when = {{ vaults = ["Vault {v}"], assets = ["TK{a}"], kinds = ["transfer"], '
                f'destinations = "contacts:investor", max_amount = "{limit}.00", max_hkd = "{limit}.00" }}\n'
                'window = { days = ["mon", "tue", "wed", "thu", "fri"], from = "09:00", to = "18:00" }\n'
                'velocity = { period_hours = 24, max_hkd = "500000.00" }\ncooling_off_hours = 72\n')
    return "\n".join(out)


# -- the naive peer ---------------------------------------------------------------------------------------------------


def naive_decide(raw: dict[str, Any], safe: str, token: str, recipient: str, amount: int, now: datetime,
                 spent: int) -> str:
    """First matching rule over the raw TOML, with linear scans; "deny" when none matches."""
    contacts, assets = raw["contacts"], raw["assets"]

    def contact(addr: str) -> dict[str, Any] | None:
        return next((c for c in contacts if c["address"] == addr), None)

    def by_label(label: str) -> dict[str, Any] | None:
        return next((c for c in contacts if c["label"] == label), None)

    asset = next((a for a in assets if a["address"] == token), None)
    local = now.astimezone(ZoneInfo(raw["policy"]["timezone"]))
    for rule in raw["rules"]:
        when = rule.get("when", {})
        if "vaults" in when and not any((by_label(v) or {}).get("address") == safe for v in when["vaults"]):
            continue
        if "assets" in when and (asset is None or asset["symbol"] not in when["assets"]):
            continue
        if "destinations" in when:
            wanted = when["destinations"] if isinstance(when["destinations"], list) else [when["destinations"]]
            found = contact(recipient)
            ok = False
            for entry in wanted:
                if entry.startswith("contacts:"):
                    ok = ok or (found is not None and found["kind"] == entry.split(":", 1)[1])
                else:
                    ok = ok or (by_label(entry) or {}).get("address") == recipient
            if not ok:
                continue
        if asset is None:
            continue
        units = Decimal(amount) / Decimal(10) ** asset["decimals"]
        if "max_amount" in when and units > Decimal(when["max_amount"]):
            continue
        if "max_hkd" in when and units > Decimal(when["max_hkd"]):  # every token is priced 1:1 in HKD here
            continue
        if "window" in rule:
            w = rule["window"]
            if DAYS[local.weekday()] not in w["days"] or not w["from"] <= f"{local:%H:%M}" < w["to"]:
                continue
        if "velocity" in rule and Decimal(spent) / 10**6 + units > Decimal(rule["velocity"]["max_hkd"]):
            continue
        if "cooling_off_hours" in rule:
            found = contact(recipient)
            if found is None:
                continue
            added = found["added"]
            added = added if isinstance(added, datetime) else datetime.combine(added, datetime.min.time(), HK)
            if added + timedelta(hours=rule["cooling_off_hours"]) > now:
                continue
        return str(rule["action"])
    return "deny"


def main() -> None:
    started = time.perf_counter()
    vaults = [address(f"vault {i}") for i in range(VAULTS)]
    investors = [address(f"investor {i}") for i in range(CONTACTS - VAULTS)]
    tokens = [address(f"token {i}") for i in range(ASSETS)]
    officers = [address(f"officer {i}") for i in range(3)]
    text = build_text(vaults, investors, tokens, officers)
    print(f"setup: {CONTACTS:,} contacts, {VAULTS * ASSETS + 1:,} rules, {len(text) / 1e6:.1f} MB of TOML "
          f"({time.perf_counter() - started:.1f} s, not timed)")

    start = time.perf_counter()
    policy = parse_policy(text, source="benchmark.toml")
    parse_custos = time.perf_counter() - start
    start = time.perf_counter()
    raw = tomllib.loads(text)
    parse_raw = time.perf_counter() - start
    print(f"parse: Custos parse_policy {parse_custos:.2f} s (tomllib alone {parse_raw:.2f} s)")

    rng = random.Random(177)
    prices = {t: build_fixed_hkd_price() for t in tokens}
    cases = []
    for _ in range(DECISIONS):
        safe, token = rng.choice(vaults), rng.choice(tokens)
        recipient = rng.choice(investors) if rng.random() < 0.9 else address(f"stranger {rng.random()}")
        amount = rng.randint(1, 60_000) * 10**6
        data = build_call("transfer(address,uint256)", recipient, amount)
        intent = decode_safe_tx(token, 0, data, 0, safe_address=safe)
        facts = DecisionFacts(now=NOW, chain_id=1770177, safe=safe, to=token, value=0, data=data, operation=0, nonce=1,
                              intent=intent, owners=tuple(officers), threshold=2, proposer=officers[0],
                              prices=prices, spent_hkd=lambda vault, since: 0, simulation=SimulationOutcome(False))
        cases.append((facts, (safe, token, recipient, amount)))

    start = time.perf_counter()
    ours = [evaluate(policy, facts).decision for facts, _ in cases]
    custos = DECISIONS / (time.perf_counter() - start)
    start = time.perf_counter()
    theirs = [naive_decide(raw, *args, NOW, 0) for _, args in cases[:NAIVE_DECISIONS]]
    naive = NAIVE_DECISIONS / (time.perf_counter() - start)
    if ours[:NAIVE_DECISIONS] != theirs:
        raise SystemExit("Custos and the naive peer disagree on a decision")
    counts = {d: ours.count(d) for d in ("allow", "escalate", "deny")}
    print(f"decisions: {counts}")
    print(f"{'Custos evaluate':<34} {custos:10,.0f} decisions/s")
    print(f"{'naive peer (raw TOML, linear)':<34} {naive:10,.1f} decisions/s")
    print(f"ratio: Custos is {custos / naive:,.0f}x the naive peer")


if __name__ == "__main__":
    main()
