"""What the propose dialog offers and checks as the officer types, without Qt: the assets a vault holds (the native
coin and the registry's tokens, with what is available), the address book (labels, vaults, keys, the policy's
contacts) with lookalike detection (SECURITY B1, by the core's own `AddressBook`, first and last hex digits), the
recipient's verdict, the amount against the available balance (`wallet_app.queue.builders`), and the nonce against
what the queue already holds (A10: a second proposal at one nonce is a conflict).

The core decides; these only warn early. Every label and symbol is untrusted text, shown plain with hidden
characters made visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ui.models.queue_rows import plain
from wallet_app.domain.hex_text import short_hex
from wallet_app.domain.units import format_units
from wallet_app.errors import WalletError

NATIVE = "native"
NFT_STANDARDS = ("erc721", "erc1155")
KIND_WORDS = {"vault": "vault", "investor": "investor", "officer": "officer", "issuer": "issuer",
              "contract": "contract", "counterparty": "counterparty", "key": "key of this profile"}


@dataclass(frozen=True, slots=True)
class AssetOption:
    key: str  # "native" or the token address
    text: str  # "HKDH — 12,345.00 available"
    symbol: str  # plain
    decimals: int
    standard: str  # native, erc20, erc721, erc1155, erc3643
    available: int | None  # base units free to move; None when unknown (not read)
    token_ids: tuple[int, ...] = ()  # NFTs the vault holds
    warning: str = ""  # unverified token, lookalike symbol, frozen part
    id_balances: tuple[tuple[int, int], ...] = ()  # (token id, free units) for ERC-721 and ERC-1155

    @property
    def needs_token_id(self) -> bool:
        return self.standard in NFT_STANDARDS

    def available_for(self, token_id: int | None) -> int | None:
        """What may be sent: the free balance, or for an NFT the free units of that id (0 when not held)."""
        if not self.needs_token_id or self.available is None:
            return self.available
        if token_id is None:
            return None
        return dict(self.id_balances).get(token_id, 0)


def _standard(value: Any) -> str:
    return str(getattr(value, "value", value))


def build_asset_options(tokens: Sequence[Any], holdings: Sequence[Any] | None, native: tuple[str, int]) -> list[
        AssetOption]:
    """The native coin first, then every registry token (holdings: the vault's `Holding` rows; None: not read)."""
    symbol, decimals = native
    free: dict[str, int] = {}
    ids: dict[str, list[int]] = {}
    by_id: dict[str, dict[int, int]] = {}
    frozen: dict[str, int] = {}
    warnings: dict[str, tuple[str, ...]] = {}
    for holding in holdings or ():
        asset = holding.asset if holding.asset == NATIVE else str(holding.asset)
        if holding.token_id is not None and holding.balance > 0:
            ids.setdefault(asset, []).append(int(holding.token_id))
            by_id.setdefault(asset, {})[int(holding.token_id)] = int(holding.free)
        free[asset] = free.get(asset, 0) + int(holding.free)
        if holding.frozen:
            frozen[asset] = frozen.get(asset, 0) + int(holding.frozen)
        if holding.warnings:
            warnings[asset] = tuple(holding.warnings)

    def amount(asset: str, places: int, unit: str) -> tuple[int | None, str]:
        if holdings is None:
            return None, "balance not read"
        value = free.get(asset, 0)
        return value, f"{format_units(value, places)} {unit} available"

    value, said = amount(NATIVE, decimals, plain(symbol, 12))
    options = [AssetOption(NATIVE, f"{plain(symbol, 12)} (native coin) — {said}", plain(symbol, 12), decimals,
                           NATIVE, value)]
    for token in sorted(tokens, key=lambda t: plain(t.symbol, 16).lower()):
        address = str(token.address)
        unit = plain(token.symbol, 16) or short_hex(address, head=4, tail=4)
        standard = _standard(token.standard)
        places = 0 if standard == "erc721" else int(token.decimals)
        value, said = amount(address, places, unit)
        held = tuple(sorted(ids.get(address, ())))
        if standard == "erc721" and holdings is not None:
            said = f"{len(held)} held" + (f" (ids {', '.join(str(i) for i in held[:6])}"
                                          f"{' …' if len(held) > 6 else ''})" if held else "")
        notes = []
        if not getattr(token, "verified", True):
            notes.append("not reviewed by an administrator")
        if getattr(token, "spam_reason", ""):
            notes.append(plain(token.spam_reason, 120))
        notes.extend(plain(w, 160) for w in warnings.get(address, ()))
        if frozen.get(address):
            notes.append(f"{format_units(frozen[address], places)} {unit} frozen (not available)")
        text = f"{unit} — {said}  ({short_hex(address, head=4, tail=4)})"
        options.append(AssetOption(address, text, unit, places, standard, value, held, "; ".join(notes),
                                   tuple(sorted(by_id.get(address, {}).items()))))
    return options


@dataclass(frozen=True, slots=True)
class BookEntry:
    address: str
    label: str  # plain
    kind: str  # words: "investor, policy contact", "vault", "key of this profile"

    @property
    def text(self) -> str:
        return f"{self.label} ({self.kind})  {self.address}" if self.kind else f"{self.label}  {self.address}"


def build_book(names: Mapping[str, str], contacts: Sequence[tuple[str, str, str]] = (),
               vaults: Sequence[str] = (), keys: Sequence[str] = ()) -> list[BookEntry]:
    """The address book the recipient is picked from: the policy's contacts (marked), the vaults, the profile's
    keys and every labelled address; each address once, policy contacts first."""
    entries: dict[str, BookEntry] = {}
    for address, label, kind in contacts:
        entries[address] = BookEntry(address, plain(label, 60), f"{KIND_WORDS.get(kind, plain(kind, 20))}, "
                                                                "policy contact")
    for address in vaults:
        entries.setdefault(address, BookEntry(address, plain(names.get(address, "") or address, 60), "vault"))
    for address in keys:
        entries.setdefault(address, BookEntry(address, plain(names.get(address, "") or address, 60),
                                              KIND_WORDS["key"]))
    for address, label in names.items():
        entries.setdefault(address, BookEntry(address, plain(label, 60), ""))
    contact_set = {c[0] for c in contacts}
    return sorted(entries.values(), key=lambda e: (e.address not in contact_set, e.label.lower()))


@dataclass(frozen=True, slots=True)
class Verdict:
    tone: str  # good, warn, bad
    text: str
    address: str | None  # the checksummed address, when it is one
    blocking: bool = False  # proposing is refused while it stands


def recipient_verdict(text: str, book: Sequence[BookEntry]) -> Verdict:
    """Who the typed recipient is: an address-book entry (good), an unknown address (warn), a lookalike of a known
    one (bad, B1), or not an address at all (bad)."""
    from wallet_app.policy.check_request import check_address
    from wallet_app.policy.facts import AddressBook

    typed = text.strip(" \t\r\n")
    if not typed:
        return Verdict("warn", "Pick a recipient from the address book or type an address.", None, True)
    try:
        address = check_address(typed, "the recipient")
    except WalletError as exc:
        return Verdict("bad", exc.user_message, None, True)
    by_address = {e.address: e for e in book}
    entry = by_address.get(address)
    if entry is not None:
        return Verdict("good", f"{entry.label}" + (f" — {entry.kind}" if entry.kind else ""), address)
    other = AddressBook({e.address: e.label for e in book}).lookalike_of(address)
    if other is not None:
        known = by_address[other]
        return Verdict("bad", f"LOOKALIKE: {address} shares its first and last characters with {known.label} "
                              f"({other}) but is a different address — possible address poisoning. Check it "
                              "character by character; pick the contact from the address book instead.",
                       address, True)
    return Verdict("warn", f"{address} is not in the address book: check it out of band. The policy may deny a "
                           "destination it does not know.", address)


def nonce_warning(nonce: int | None, *, next_nonce: int | None, vault_nonce: int | None,
                  used: Mapping[int, Sequence[str]]) -> tuple[str, str]:
    """(tone, text) about the chosen nonce: an existing proposal there (a conflict), a nonce already used, a gap."""
    if nonce is None:
        free = f" ({next_nonce})" if next_nonce is not None else ""
        return "plain", f"Empty: the next free nonce{free}. A nonce that already has a proposal makes a conflict."
    if vault_nonce is not None and nonce < vault_nonce:
        return "bad", f"Nonce {nonce} is already used: the vault's nonce is {vault_nonce}. It could never execute."
    there = used.get(nonce, ())
    if there:
        what = plain(there[0], 120)
        more = f" and {len(there) - 1} more" if len(there) > 1 else ""
        return "warn", (f"CONFLICT: nonce {nonce} already has a proposal ({what}{more}). Proposing another there "
                        "makes two transactions of which only one can execute; the owners must choose.")
    if next_nonce is not None and nonce > next_nonce:
        return "warn", (f"Gap: nonce {nonce} is past the next free nonce {next_nonce}; it cannot execute before "
                        "the nonces below it are used.")
    return "plain", f"Nonce {nonce}."


def parse_nonce(text: str) -> int | None:
    """'' -> None (the next free nonce); else a whole number, or ValueError with words."""
    cleaned = text.strip(" \t")
    if not cleaned:
        return None
    if not cleaned.isascii() or not cleaned.isdigit():
        raise ValueError("The nonce is a whole number (or empty for the next free one)")
    return int(cleaned)


def parse_token_id(text: str) -> int | None:
    cleaned = text.strip(" \t")
    if not cleaned:
        return None
    if not cleaned.isascii() or not cleaned.isdigit():
        raise ValueError("The token id is a whole number")
    return int(cleaned)
