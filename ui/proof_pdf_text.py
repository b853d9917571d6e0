"""What the PDF form of a proof bundle says, as HTML for Qt's text layout: the title, the block (number, hash and
state root in full), the statement's holdings or the proof's claims in words, the signatures with every hash and
signature in full, and how to check it.

Everything in a bundle is outside input. It is read strictly first (`read_bundle`, the header, each claim, each
signature's fields), so that a malformed bundle is `UnusableInput` naming the field, never a traceback; every text
printed is then escaped, its invisible characters made visible and its length capped: nothing in a bundle can become
markup. The text comes as pieces, each laid out whole on one page (a table row is never cut across two pages, and a
heading stays with what follows it). Pure Python, no Qt: the painting is in `ui.proof_pdf`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ui.plain_text import reveal_invisible

if TYPE_CHECKING:
    from wallet_app.proofs.bundle import Bundle
    from wallet_app.proofs.claims import Claim
    from wallet_app.proofs.header import Header

HEX_LINE = 66  # hex characters per printed line: a 32-byte hash with its 0x fits one line; longer data wraps
MAX_ROWS = 5000  # holdings, claims, signatures or owners: more is not a bundle Custos writes
MAX_SIGNATURE_BYTES = 4096  # an owner's signature: 65 bytes, more for a contract owner's (EIP-1271) signature
STATEMENT_TITLE = "Holding statement"
PROOF_TITLE = "Ownership proof"
NOT_SIGNED = "Not signed by a vault's quorum"
LABEL_WIDTH = 24  # per cent of the page's width, for the labels of the facts and signatures
HOLDINGS_COLUMNS = (("Asset", 38), ("Standard", 12), ("Token id", 16), ("Balance", 22), ("Frozen", 12))


@dataclass(frozen=True, slots=True)
class Piece:
    """HTML laid out whole on one page (unless it is taller than a page)."""

    html: str
    gap: float = 1.5  # millimetres of space above it, unless it starts a page
    keep_with_next: bool = False  # a heading: moves to the next page with what follows it
    repeat: str = ""  # drawn above this piece when it starts a page: a table's header row


@dataclass(frozen=True, slots=True)
class Printable:
    """A bundle read and ready to print: its text and its QR parts."""

    title: str
    chain_id: int
    block_number: int
    pieces: tuple[Piece, ...]  # the text pages, in order
    how_to_html: str  # the paragraph above the QR codes
    parts: tuple[str, ...]  # `bundle_parts(bundle)`, in order


def text(value: object, limit: int = 120) -> str:
    """Outside text made safe for HTML: invisible characters shown as <U+XXXX>, capped, escaped."""
    return html.escape(reveal_invisible(str(value), max_length=limit))


def hex_lines(data: bytes) -> str:
    """`data` as 0x hex in full, in monospace, broken into lines of HEX_LINE characters."""
    digits = "0x" + data.hex()
    lines = [digits[i:i + HEX_LINE] for i in range(0, len(digits), HEX_LINE)]
    return '<span class="hex">' + "<br/>".join(lines) + "</span>"


def mono(value: str) -> str:
    return f'<span class="hex">{value}</span>'


def read_printable(bundle: Any) -> Printable:
    """Read `bundle` strictly and say it as HTML; `UnusableInput` (a WalletError) naming what is wrong."""
    from wallet_app.proofs.bundle import read_bundle
    from wallet_app.proofs.claims import read_claim
    from wallet_app.proofs.errors import UnusableInput
    from wallet_app.proofs.header import header_from_rlp
    from wallet_app.proofs.qr_parts import bundle_parts

    parsed = read_bundle(bundle)
    header = header_from_rlp(parsed.header_rlp)
    if header.hash != parsed.block_hash or header.number != parsed.block_number:
        raise UnusableInput(f"the bundle's block header is not the header of block {parsed.block_number} "
                            f"0x{parsed.block_hash.hex()} that it names")
    if len(parsed.claims) > MAX_ROWS or len(parsed.signatures) > MAX_ROWS:
        raise UnusableInput(f"the bundle carries more than {MAX_ROWS} claims or signatures")
    claims = [read_claim(raw, f"claims[{i}]") for i, raw in enumerate(parsed.claims)]
    statement = bundle.get("statement")
    if statement is not None and not isinstance(statement, Mapping):
        raise UnusableInput("statement: expected an object")
    try:
        parts = tuple(bundle_parts(bundle))
    except (TypeError, ValueError) as exc:  # UnusableInput is a ValueError too: keep its words
        if isinstance(exc, UnusableInput):
            raise
        raise UnusableInput("the bundle is not plain JSON data, so it cannot be put in QR codes") from None
    title = STATEMENT_TITLE if statement is not None else PROOF_TITLE
    pieces = [Piece(f"<h2>{title}</h2>" + _facts(bundle, statement, parsed, header, claims))]
    pieces += _holdings(statement) if statement is not None else _claims(claims)
    pieces += _signatures(parsed.signatures)
    pieces.append(_closing(title, len(parts)))
    return Printable(title, parsed.chain_id, parsed.block_number, tuple(pieces), how_to_verify(len(parts)), parts)


def _facts(bundle: Mapping[str, Any], statement: Mapping[str, Any] | None, parsed: Bundle, header: Header,
           claims: list[Claim]) -> str:
    from wallet_app.domain.network import PRESETS
    from wallet_app.proofs.bundle import address

    known = next((p.name for p in PRESETS.values() if p.chain_id == parsed.chain_id and p.chain_id), "")
    rows: list[tuple[str, str]] = []
    if statement is not None:
        rows.append(("Account", mono(address(statement.get("account"), "statement.account"))))
        named = statement.get("network")
        network = text(named, 80) if isinstance(named, str) and named else "not named in the statement"
    else:
        accounts = sorted({c.account for c in claims})
        if len(accounts) == 1:
            rows.append(("Account", mono(accounts[0])))
        network = text(known, 80) if known else "not named in the bundle"
    rows += [("Network", network), ("Chain id", str(parsed.chain_id)), ("Block number", f"{header.number:,}"),
             ("Block hash", hex_lines(header.hash)), ("State root", hex_lines(header.state_root)),
             ("Block time", _time(header.timestamp))]
    if statement is not None:
        rows += [("Statement id", mono(text(statement.get("id", ""), 80))),
                 ("Issued at", text(statement.get("issued_at", ""), 60))]
    else:
        rows.append(("Created at", text(bundle.get("created_at", ""), 60)))
        if len(accounts) > 1:  # after the block: a long list must not push the hashes off the first page
            rows.append(("Accounts", "<br/>".join(mono(a) for a in accounts)))
    return _label_table(rows)


def _label_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f'<tr><td class="label" width="{LABEL_WIDTH}%">{label}</td><td>{value}</td></tr>'
                    for label, value in rows)
    return f'<table class="facts" cellspacing="0" cellpadding="2" width="100%">{cells}</table>'


def _heading(words: str) -> Piece:
    return Piece(f"<h3>{words}</h3>", gap=6.0, keep_with_next=True)


def _row(cells: tuple[str, ...], tag: str = "td") -> str:
    inner = "".join(f'<{tag} width="{width}%">{cell}</{tag}>' for cell, (_, width) in zip(cells, HOLDINGS_COLUMNS,
                                                                                           strict=True))
    return f'<table class="rows" border="1" cellspacing="0" cellpadding="3" width="100%"><tr>{inner}</tr></table>'


def _time(timestamp: int) -> str:
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") + f" ({timestamp})"
    except (OverflowError, OSError, ValueError):
        return str(timestamp)


def _holdings(statement: Mapping[str, Any]) -> list[Piece]:
    from wallet_app.proofs.errors import UnusableInput
    from wallet_app.proofs.statement_check import STATEMENT_KIND

    if statement.get("kind") != STATEMENT_KIND:
        kind = reveal_invisible(str(statement.get("kind")), max_length=40)
        raise UnusableInput(f"statement.kind: expected {STATEMENT_KIND!r}, got {kind!r}")
    holdings, unproven = statement.get("holdings"), statement.get("unproven", [])
    if not isinstance(holdings, list) or not isinstance(unproven, list):
        raise UnusableInput("statement.holdings and statement.unproven: expected lists")
    if len(holdings) > MAX_ROWS or len(unproven) > MAX_ROWS:
        raise UnusableInput(f"the statement lists more than {MAX_ROWS} holdings")
    head = _row(tuple(name for name, _ in HOLDINGS_COLUMNS), "th")
    pieces = [_heading(f"Holdings ({len(holdings)})")]
    pieces += [Piece(head, keep_with_next=True)] if holdings else [Piece("<p>The statement lists no holdings.</p>")]
    for index, item in enumerate(holdings):
        if not isinstance(item, Mapping):
            raise UnusableInput(f"statement.holdings[{index}]: expected an object")
        asset, symbol = str(item.get("asset", "")), item.get("symbol", "")
        shown = "native coin" if asset == "native" else f'<span class="addr">{text(asset, 44)}</span>'
        name = f"<b>{text(symbol, 40)}</b><br/>" if isinstance(symbol, str) and symbol else ""
        cells = (name + shown, text(item.get("standard", ""), 20), _number(item.get("token_id", "")),
                 _number(item.get("balance", "")), _number(item.get("frozen", "")))
        pieces.append(Piece(_row(cells), gap=0.0, repeat=head))
    pieces.append(Piece('<p class="small">Amounts are in the token\'s base units, as stored by its contract at the '
                        "block above and proven by the bundle.</p>"))
    left_out = [u for u in unproven if isinstance(u, Mapping)]
    if left_out:
        pieces.append(_heading(f"Not proven ({len(left_out)})"))
    pieces += [Piece(f"<p>&bull; {mono(text(u.get('asset', ''), 44))}{_token(u.get('token_id'))}: "
                     f"{text(u.get('reason', ''), 300)}</p>") for u in left_out]
    return pieces


def _number(value: object) -> str:
    return f'<span class="num">{text(value, 80)}</span>'


def _token(token_id: object) -> str:
    return f" token {text(token_id, 80)}" if token_id not in (None, "") else ""


def _claims(claims: list[Claim]) -> list[Piece]:
    pieces = [_heading(f"What it proves ({len(claims)} claim{'s' if len(claims) != 1 else ''})")]
    return pieces + [Piece(f"<p>&bull; {text(claim.words(), 400)}</p>") for claim in claims]


def _signatures(signatures: tuple[Mapping[str, Any], ...]) -> list[Piece]:
    if not signatures:
        return [_heading("Signatures"), Piece(f"<p><b>{NOT_SIGNED}.</b></p>")]
    pieces = [_heading("Signatures")]
    for index, entry in enumerate(signatures):
        pieces += _signature(entry, f"signatures[{index}]")
    pieces.append(Piece('<p class="small">Printed as the bundle carries them; <tt>custos proof verify</tt> checks '
                        "each against the vault's owners.</p>"))
    return pieces


def _signature(entry: Mapping[str, Any], where: str) -> list[Piece]:
    from wallet_app.proofs.bundle import address, decimal, hex_bytes
    from wallet_app.proofs.errors import UnusableInput

    kind = entry.get("kind")
    if kind != "safe-message":
        return [Piece(f"<p>A signature of kind {mono(text(kind, 40))}, which this form does not print.</p>")]
    vault = address(entry.get("vault"), f"{where}.vault")
    version = entry.get("safe_version", "")
    if not isinstance(version, str):
        raise UnusableInput(f"{where}.safe_version: expected text such as 1.4.1")
    threshold = decimal(entry.get("threshold"), f"{where}.threshold")
    owners = entry.get("signatures")
    if not isinstance(owners, list):
        raise UnusableInput(f"{where}.signatures: expected a list")
    if len(owners) > MAX_ROWS:
        raise UnusableInput(f"{where}.signatures: more than {MAX_ROWS} entries")
    rows = [("Vault", mono(vault) + (f" (Safe {text(version, 20)})" if version else "")),
            ("EIP-712 digest", hex_lines(hex_bytes(entry.get("digest"), f"{where}.digest", size=32))),
            ("SafeMessage hash", hex_lines(hex_bytes(entry.get("safe_message_hash"), f"{where}.safe_message_hash",
                                                     size=32))),
            ("Threshold", f"{threshold} signature{'s' if threshold != 1 else ''} of the vault's owners")]
    count = f"{len(owners)} signature{'s' if len(owners) != 1 else ''}, {threshold} needed"
    pieces = [Piece(f"<p><b>Signed for vault {mono(vault)}</b> ({count})</p>" + _label_table(rows), gap=3.0,
                    keep_with_next=bool(owners))]
    for index, item in enumerate(owners):
        if not isinstance(item, Mapping):
            raise UnusableInput(f"{where}.signatures[{index}]: expected an object")
        owner = address(item.get("owner"), f"{where}.signatures[{index}].owner")
        signature = hex_bytes(item.get("signature"), f"{where}.signatures[{index}].signature",
                              limit=MAX_SIGNATURE_BYTES)
        pieces.append(Piece(_label_table([(f"Owner {index + 1}", mono(owner)), ("Signature", hex_lines(signature))]),
                            gap=1.0))
    if not owners:
        pieces.append(Piece(_label_table([("Owners", "no owner's signature")])))
    return pieces


def _closing(title: str, parts: int) -> Piece:
    codes = "one QR code" if parts == 1 else f"{parts} QR codes"
    return Piece(f'<p class="small">This {title.lower()} is printed from its proof bundle. The bundle itself, with '
                 f"every proof, follows as {codes}; anyone can check it with no key and no trust in Custos.</p>",
                 gap=4.0)


def how_to_verify(parts: int) -> str:
    which = "the code" if parts == 1 else f"all {parts} codes (in any order)"
    return (
        "<h3>The proof bundle as QR codes</h3>"
        f"<p><b>How to verify.</b> Scan or photograph {which}. In Custos, open the Proofs tab, "
        "<i>Check a bundle</i>, <i>Read QR images…</i> and choose the pictures: the parts are joined and checked. "
        "Or join the parts' texts (each begins <tt>CUSTOS-PROOF:i/n</tt>) into the bundle's JSON file and run "
        "<tt>custos proof verify FILE.json</tt>. The check needs no key: it holds the proofs against the block hash "
        "printed on the first page, which you can compare with any node or block explorer of this chain.</p>")
