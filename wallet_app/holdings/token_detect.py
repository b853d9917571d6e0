"""Which token standard a contract follows, and what it says of itself, asked in one Multicall3 round trip.

Every probe of every address goes into one aggregate3 call (split only if a discovery finds very many contracts):

- ERC-165 `supportsInterface` for ERC-721 (0x80ac58cd) and ERC-1155 (0xd9b67a26), believed only the EIP-165 way (true
  for 0x01ffc9a7 and false for 0xffffffff);
- `identityRegistry()` and `compliance()` both answering an address: ERC-3643;
- `totalSupply()` and `balanceOf(address)` answering a number: ERC-20 (`decimals()` is optional in EIP-20);
- `symbol()`, `name()`, `decimals()`, decoded by the hostile-metadata decoders of `decode`;
- a made-up function: a contract that answers it has a catch-all fallback and says yes to anything, so none of its
  answers is believed.

An address without code answers every call with success and no data; only when every answer is empty is its code
asked for, to tell "no contract" apart from a contract that answers nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from wallet_app.chain.client import CallResult, ChainClient
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.holdings.batching import CallPlan, build_batches
from wallet_app.holdings.calldata import build_address_call, build_plain_call
from wallet_app.holdings.decode import decode_address, decode_bool, decode_decimals, decode_text, decode_uint
from wallet_app.holdings.model import Standard

ERC165_ID = bytes.fromhex("01ffc9a7")
INVALID_ID = bytes.fromhex("ffffffff")
ERC721_ID = bytes.fromhex("80ac58cd")
ERC1155_ID = bytes.fromhex("d9b67a26")
PROBE_HOLDER = MULTICALL3_ADDRESS  # any address but zero: ERC-721 balanceOf(0) reverts

NO_CONTRACT = "no contract at this address"
NOT_STANDARD = "not a token standard Custos reads (ERC-20, ERC-721, ERC-1155 or ERC-3643)"
NO_DECIMALS = "decimals() gave no usable answer (it reverted or claimed more than 77): amounts are in base units"


class TokenRefused(WalletError, ValueError):
    """The address holds no contract, or one that follows none of the standards Custos reads."""

    code = "token_refused"


@dataclass(frozen=True, slots=True)
class DetectedToken:
    address: str
    standard: Standard
    symbol: str  # as the token says it: untrusted text, "" when it said nothing usable
    name: str  # untrusted text
    decimals: int  # 0 for ERC-721 and ERC-1155, and for a fungible token whose decimals() gave nothing usable
    notes: tuple[str, ...] = ()  # plain language: what the token did not answer


def _interface(interface_id: bytes) -> bytes:
    return build_plain_call("supportsInterface(bytes4)") + interface_id.ljust(32, b"\0")


_PROBES: tuple[tuple[str, bytes], ...] = (
    ("erc165", _interface(ERC165_ID)),
    ("invalid", _interface(INVALID_ID)),
    ("erc721", _interface(ERC721_ID)),
    ("erc1155", _interface(ERC1155_ID)),
    ("identityRegistry", build_plain_call("identityRegistry()")),
    ("compliance", build_plain_call("compliance()")),
    ("totalSupply", build_plain_call("totalSupply()")),
    ("balanceOf", build_address_call("balanceOf(address)", PROBE_HOLDER)),
    ("decimals", build_plain_call("decimals()")),
    ("symbol", build_plain_call("symbol()")),
    ("name", build_plain_call("name()")),
    ("nonsense", build_plain_call("custosNoSuchFunction()")),  # a real token reverts; a catch-all answers
)
PROBE_COUNT = len(_PROBES)

Answers = Mapping[str, CallResult | None]


def build_detection_plan(addresses: list[str]) -> CallPlan:
    """Every probe of every address, keyed (address, probe)."""
    plan = CallPlan()
    for address in addresses:
        for probe, data in _PROBES:
            plan.add((address, probe), address, data)
    return plan


def evaluate_standard(answers: Answers) -> Standard | None:
    """The standard the answers show, first match wins: ERC-721, ERC-1155, ERC-3643, ERC-20; None for none, and
    for a contract that answers a word to a function it cannot have (a catch-all fallback says yes to anything)."""
    if decode_uint(answers.get("nonsense")) is not None:
        return None
    erc165 = decode_bool(answers.get("erc165")) is True and decode_bool(answers.get("invalid")) is False
    if erc165 and decode_bool(answers.get("erc721")) is True:
        return Standard.ERC721
    if erc165 and decode_bool(answers.get("erc1155")) is True:
        return Standard.ERC1155
    if (decode_address(answers.get("identityRegistry")) is not None
            and decode_address(answers.get("compliance")) is not None):
        return Standard.ERC3643
    if decode_uint(answers.get("totalSupply")) is not None and decode_uint(answers.get("balanceOf")) is not None:
        return Standard.ERC20
    return None


def is_silent(answers: Answers) -> bool:
    """Every probe succeeded with no data at all: what an address without code answers (or a bare fallback)."""
    results = [answers.get(probe) for probe, _data in _PROBES]
    return all(r is not None and r.success and not r.data for r in results)


def evaluate_detection(address: str, answers: Answers) -> DetectedToken:
    """The token the answers describe; raises TokenRefused when they show no standard Custos reads."""
    standard = evaluate_standard(answers)
    if standard is None:
        raise TokenRefused(f"{to_checksum(address)}: {NOT_STANDARD}")
    notes: list[str] = []
    symbol = decode_text(answers.get("symbol"))
    name = decode_text(answers.get("name"))
    if symbol is None:
        notes.append("symbol() gave no text")
    if name is None:
        notes.append("name() gave no text")
    decimals = 0
    if standard in (Standard.ERC20, Standard.ERC3643):
        answered = decode_decimals(answers.get("decimals"))
        if answered is None:
            notes.append(NO_DECIMALS)
        decimals = answered or 0
    return DetectedToken(to_checksum(address), standard, symbol or "", name or "", decimals, tuple(notes))


def fetch_detected_tokens(chain: ChainClient, addresses: list[str]) -> dict[str, DetectedToken | TokenRefused]:
    """Detect many addresses at once: one Multicall3 round trip (more only past the batch limits), plus one code
    read for each address that answered nothing at all."""
    checksummed = list(dict.fromkeys(to_checksum(a) for a in addresses))
    plan = build_detection_plan(checksummed)
    results: dict[Hashable, CallResult] = {}
    for start, end in build_batches(plan.calls):
        answered = chain.multicall(plan.calls[start:end])
        results.update(zip(plan.keys[start:end], answered, strict=True))
    found: dict[str, DetectedToken | TokenRefused] = {}
    for address in checksummed:
        answers = {probe: results.get((address, probe)) for probe, _data in _PROBES}
        if is_silent(answers) and not chain.fetch_code(address):
            found[address] = TokenRefused(f"{address}: {NO_CONTRACT}")
            continue
        try:
            found[address] = evaluate_detection(address, answers)
        except TokenRefused as exc:
            found[address] = exc
    return found


def fetch_detected_token(chain: ChainClient, address: str) -> DetectedToken:
    """Detect one address; raises TokenRefused ("no contract at this address", "not a token standard ...")."""
    checksummed = to_checksum(address)
    outcome = fetch_detected_tokens(chain, [checksummed])[checksummed]
    if isinstance(outcome, TokenRefused):
        raise outcome
    return outcome
