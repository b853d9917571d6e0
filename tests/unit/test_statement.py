"""Holding statements: exact values, the block they were read at, and untrusted text kept inert (CSV and PDF)."""

from __future__ import annotations

from datetime import UTC, datetime

from wallet_app.holdings.model import Account, Compliance, Holding, HoldingsSnapshot, Price, Standard
from wallet_app.holdings.statement import build_statement, render_csv

VAULT = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
HOSTILE_NAME = '=HYPERLINK("http://evil.invalid","Claim")<b>USDC</b>\u202e'


def snapshot() -> HoldingsSnapshot:
    price = Price(10_0234_0000, 8, "HKD", "NAV feed", None, False)
    holding = Holding(VAULT, TOKEN, Standard.ERC20, None, "+HMMF", HOSTILE_NAME, 6, 1_200_000 * 10**6, 0, price,
                      12_028_080 * 10**6, Compliance(notes=("transfers paused by the issuer",)), True)
    return HoldingsSnapshot(53, bytes.fromhex("db" * 32), datetime(2026, 1, 2, tzinfo=UTC),
                            (Account(VAULT, "Client vault", "vault"),), (holding,),
                            block_time=datetime(2026, 1, 1, tzinfo=UTC))


def test_csv_statement_carries_the_block_exact_values_and_inert_formulas() -> None:
    statement = build_statement(snapshot(), VAULT.lower(), chain_id=177, network="HashKey Chain")
    text = render_csv(statement)
    assert "# block_number,53" in text and "# block_hash,0x" + "db" * 32 in text
    assert "# total_value_hkd,12028080" in text
    row = text.strip().splitlines()[-1]
    assert ",1200000,0,1200000,10.0234 HKD,NAV feed,12028080,transfers paused by the issuer" in row
    assert "'+HMMF" in row and "'=HYPERLINK" in row  # a spreadsheet shows them, never runs them


def test_E1_pdf_markup_from_a_token_is_escaped() -> None:
    from ui.statement_pdf import build_statement_html

    html = build_statement_html(build_statement(snapshot(), VAULT, chain_id=177, network="HashKey Chain"))
    assert "<b>USDC</b>" not in html and "&lt;b&gt;USDC&lt;/b&gt;" in html
    assert "\u202e" not in html and "U+202E" in html
    assert "0x" + "db" * 32 in html and "12028080" in html
