"""A holding statement for one account: what it held at one block, its value in HKD, and how that was read.

The rows are plain values; CSV is written here, and the front end typesets the same rows as PDF.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.csv_cells import inert_cell
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import Account, Holding, HoldingsSnapshot
from wallet_app.holdings.totals import compute_account_totals
from wallet_app.holdings.views import format_hkd

COLUMNS = ("asset", "symbol", "name", "standard", "token_id", "balance", "frozen", "free", "price", "price_source",
           "value_hkd", "compliance")


@dataclass(frozen=True, slots=True)
class Statement:
    account: Account
    chain_id: int
    network: str
    block_number: int
    block_hash: str
    block_time: str  # ISO 8601, UTC
    read_at: str
    rows: tuple[tuple[str, ...], ...]  # one per holding, in COLUMNS order; text from tokens is untrusted
    total_hkd: str
    unpriced: int


def build_statement(snapshot: HoldingsSnapshot, account: str, *, chain_id: int, network: str) -> Statement:
    address = to_checksum(account)
    found = next((a for a in snapshot.accounts if a.address == address), Account(address, "", "watch"))
    holdings = [h for h in snapshot.holdings if h.account == address and (h.balance or h.standard.value == "native")]
    total = compute_account_totals(snapshot).get(address)
    return Statement(
        account=found,
        chain_id=chain_id,
        network=network,
        block_number=snapshot.block_number,
        block_hash="0x" + snapshot.block_hash.hex(),
        block_time=snapshot.block_time.isoformat() if snapshot.block_time else "",
        read_at=snapshot.read_at.isoformat(),
        rows=tuple(_row(h) for h in holdings),
        total_hkd=format_hkd(total.value_hkd if total else 0) or "0",
        unpriced=total.unpriced if total else 0,
    )


def _row(h: Holding) -> tuple[str, ...]:
    price, source = "", "no price"
    if h.price is not None:
        p = h.price
        price = f"{format_units(p.value, p.decimals, group=False)} {p.currency or '(currency unknown)'}"
        if p.stale:
            price += " (stale)"
        elif p.reports_now:
            price += " (age unknown: the feed reports every answer as current)"
        source = p.source
        if p.fx is not None:
            fx = f"{format_units(p.fx.value, p.fx.decimals, group=False)} HKD per {p.fx.currency}"
            if p.fx.stale:
                fx += " (stale)"
            elif p.fx.reports_now:
                fx += " (age unknown)"
            price += f" x {fx}"
            source += f"; {p.fx.source}"
        if p.note:
            source += f"; no HKD value: {p.note}"
    compliance = list(h.compliance.notes) + list(h.warnings)
    return (
        h.asset,
        h.symbol,
        h.name,
        h.standard.value,
        "" if h.token_id is None else str(h.token_id),
        format_units(h.balance, h.decimals, group=False),
        format_units(h.frozen, h.decimals, group=False),
        format_units(h.free, h.decimals, group=False),
        price,
        source,
        format_hkd(h.value_hkd) or "",
        "; ".join(compliance),
    )


def render_csv(statement: Statement) -> str:
    """The statement as CSV: a few `# key,value` header lines, then one row per holding. Cells that a spreadsheet
    would run as a formula are prefixed with an apostrophe (token names are untrusted)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for key, value in (
        ("statement", "Custos holding statement"),
        ("account", statement.account.address),
        ("label", statement.account.label),
        ("network", statement.network),
        ("chain_id", str(statement.chain_id)),
        ("block_number", str(statement.block_number)),
        ("block_hash", statement.block_hash),
        ("block_time", statement.block_time),
        ("read_at", statement.read_at),
        ("total_value_hkd", statement.total_hkd),
        ("holdings_without_price", str(statement.unpriced)),
    ):
        writer.writerow([f"# {key}", inert_cell(value)])
    writer.writerow(COLUMNS)
    for row in statement.rows:
        writer.writerow([inert_cell(cell) for cell in row])
    return out.getvalue()
