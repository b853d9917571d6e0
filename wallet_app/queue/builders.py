"""Building the Safe transactions officers propose: a transfer of the native coin or of a token (ERC-20, ERC-3643,
ERC-721, ERC-1155), a batch of calls (MultiSendCallOnly), and a change of the vault's owners or threshold.

Everything here is pure: it reads no chain and no database, and returns a `CheckRequest` (the raw fields the policy
checker decides on and the queue stores), with the nonce left to the queue (None: the vault's next free nonce) unless
one is given. Every refusal is a `WalletError` (also a `ValueError`) whose one-line message names what is wrong, so the
CLI and the propose dialog show it as it is.

Amounts are decimal text in the asset's own units ("1250.50" HKDH), parsed exactly into base units: plain ASCII digits
with at most one decimal point, no sign, no exponent, no thousands separators, never more fraction digits than the
asset has, never zero. Addresses are checked as `wallet_app.policy.check_request` checks them (EIP-55 or one case,
plain ASCII only; B3/B4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import ZERO_ADDRESS, Operation
from wallet_app.domain.units import MAX_UINT256, format_units
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import InvalidAmount, WalletError
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.policy import selectors as s
from wallet_app.policy.check_request import CheckInputError, CheckRequest, check_address, check_uint
from wallet_app.policy.multisend import MAX_CALLS, PackedCall, build_multisend_call

NATIVE = "native"
# The head of a Safe's owner linked list: `prevOwner` of the first owner (OwnerManager.SENTINEL_OWNERS).
SENTINEL_OWNERS = "0x0000000000000000000000000000000000000001"
_AMOUNT = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")
_EXPONENT = re.compile(r"[0-9]*\.?[0-9]*[eE][+-]?[0-9]+")
_ASCII_SPACE = " \t\r\n"


class ProposalInputError(WalletError, ValueError):
    """The transaction asked for cannot be built (an unknown token, a missing token id, an impossible owner change);
    nothing was proposed."""

    code = "proposal_input"


# -- amounts ----------------------------------------------------------------------------------------------------------

def parse_amount(text: str, decimals: int, *, symbol: str = "", what: str = "the amount") -> int:
    """`text`, a decimal amount in an asset's units, as base units (an int above zero).

    Refused with a message naming `what`: anything but plain ASCII digits with at most one decimal point (a sign, an
    exponent such as 1e18, thousands separators, a full-width or Arabic-Indic digit, a leading or trailing point),
    more fraction digits than the asset's `decimals`, zero, and amounts beyond a uint256."""
    if not isinstance(text, str):
        raise InvalidAmount(f"{what} must be decimal text such as 1250.50, not {type(text).__name__}")
    if decimals < 0:
        raise ValueError("decimals must not be negative")
    cleaned = text.strip(_ASCII_SPACE)
    shown = cleaned.encode("unicode_escape").decode("ascii")[:40]  # one line, every character visible
    unit = f" {symbol}" if symbol else ""
    if not cleaned:
        raise InvalidAmount(f"{what} is empty: give a decimal amount such as 1250.50")
    if not cleaned.isascii():
        raise InvalidAmount(f"{what} '{shown}' holds characters that are not plain ASCII digits (a full-width or "
                            "other script's digit, an invisible character?): type it again with 0-9 and '.'")
    if cleaned[0] in "+-":
        if cleaned[0] == "-":
            raise InvalidAmount(f"{what} must not be negative ('{shown}')")
        raise InvalidAmount(f"{what} takes no sign ('{shown}'): give it as digits, such as 1250.50")
    if _EXPONENT.fullmatch(cleaned):
        raise InvalidAmount(f"{what} '{shown}' is in exponent form: write it out in digits, such as 1250.50")
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        if "," in cleaned or "_" in cleaned or " " in cleaned:
            raise InvalidAmount(f"{what} '{shown}' has a separator: write it without thousands separators, with "
                                "'.' as the decimal point, such as 1250000.50")
        raise InvalidAmount(f"{what} '{shown}' is not a plain decimal amount such as 1250.50")
    fraction = match.group("fraction") or ""
    if len(fraction) > decimals:
        places = "no decimal places" if decimals == 0 else f"{decimals} decimal place{'s' if decimals != 1 else ''}"
        raise InvalidAmount(f"{what} '{shown}' has {len(fraction)} decimal place{'s' if len(fraction) != 1 else ''}; "
                            f"this asset{unit} has {places}")
    value: int = int(match.group("whole")) * 10**decimals + int(fraction.ljust(decimals, "0") or "0")
    if value == 0:
        raise InvalidAmount(f"{what} is zero: there is nothing to send")
    if value > MAX_UINT256:
        raise InvalidAmount(f"{what} '{shown[:20]}...' is larger than any token can hold (a uint256)")
    return value


@dataclass(frozen=True, slots=True)
class BalanceVerdict:
    """Whether an amount fits in what a vault has available, and by how much it does not."""

    amount: int  # base units
    available: int  # base units
    within: bool
    shortfall: int  # base units missing; 0 when within
    message: str  # "" when within; else one sentence naming both figures


def check_amount_within_balance(amount: int, available: int, *, decimals: int, symbol: str = "") -> BalanceVerdict:
    """Is `amount` (base units) at most `available` (base units: the vault's balance of the asset, less what the
    caller counts as already promised, such as outflows queued at lower nonces)? The propose dialog shows the
    message next to the amount; the policy decides independently at proposal, approval and execution."""
    check_uint(amount, "the amount")
    check_uint(available, "the available balance")
    if amount <= available:
        return BalanceVerdict(amount, available, True, 0, "")
    unit = f" {symbol}" if symbol else ""
    missing = amount - available
    return BalanceVerdict(amount, available, False, missing,
                          f"The amount {format_units(amount, decimals)}{unit} is more than the "
                          f"{format_units(available, decimals)}{unit} available ({format_units(missing, decimals)}"
                          f"{unit} short)")


# -- transfers --------------------------------------------------------------------------------------------------------

def find_token(asset: str, tokens: Mapping[str, TokenEntry]) -> TokenEntry:
    """The registry's entry for the token address `asset` (any accepted spelling), or ProposalInputError."""
    address = check_address(asset, "the asset")
    by_address = {to_checksum(a): t for a, t in tokens.items()}
    token = by_address.get(address)
    if token is None:
        raise ProposalInputError(f"{address} is not a token of this profile's registry: add it first (custos tokens "
                                 "add), or give 'native' for the native coin")
    return token


def build_transfer(*, safe: str, asset: str, amount: str, to: str, token_id: int | None,
                   tokens: Mapping[str, TokenEntry], native_decimals: int, nonce: int | None = None) -> CheckRequest:
    """A transfer from the vault `safe` to `to`: `asset` is "native" or a token address of the registry `tokens`
    (address -> entry); `amount` is decimal text in the asset's units.

    native: to = the recipient, value = the amount. ERC-20 and ERC-3643: transfer(to, amount). ERC-721:
    safeTransferFrom(safe, to, tokenId), the amount exactly 1 and `token_id` required. ERC-1155:
    safeTransferFrom(safe, to, id, amount, "") with `token_id` required."""
    vault = check_address(safe, "the vault (--safe)")
    recipient = check_address(to, "the recipient (--to)")
    if recipient == ZERO_ADDRESS:
        raise ProposalInputError("The recipient is the zero address: what is sent there is burnt, not paid")
    if recipient == vault:
        raise ProposalInputError("The recipient is the vault itself: a transfer to itself moves nothing")
    if nonce is not None:
        check_uint(nonce, "the nonce")
    if token_id is not None:
        check_uint(token_id, "the token id")
    if not isinstance(asset, str):
        raise ProposalInputError("the asset must be 'native' or a token address")
    if asset.strip(_ASCII_SPACE).lower() == NATIVE:
        if token_id is not None:
            raise ProposalInputError("A token id is only for ERC-721 and ERC-1155 tokens, not for the native coin")
        value = parse_amount(amount, native_decimals, what="the amount (--amount)")
        return CheckRequest(safe=vault, to=recipient, value=value, nonce=nonce)
    token = find_token(asset, tokens)
    if recipient == token.address:
        raise ProposalInputError("The recipient is the token's own contract: tokens sent there are usually lost")
    what = "the amount (--amount)"
    standard = token.standard
    if standard in (Standard.ERC20, Standard.ERC3643):
        if token_id is not None:
            raise ProposalInputError(f"A token id is only for ERC-721 and ERC-1155 tokens; {_name(token)} is "
                                     f"{_standard_name(standard)}")
        units = parse_amount(amount, token.decimals, symbol=_symbol(token), what=what)
        data = build_call(s.TRANSFER.signature, recipient, units)
    elif standard is Standard.ERC721:
        if token_id is None:
            raise ProposalInputError(f"{_name(token)} is an ERC-721 token: give the token id (--token-id) to send")
        if parse_amount(amount, 0, symbol=_symbol(token), what=what) != 1:
            raise ProposalInputError(f"{_name(token)} is an ERC-721 token: one token id is one token, so the amount "
                                     "must be 1")
        data = build_call(s.ERC721_SAFE_TRANSFER.signature, vault, recipient, token_id)
    elif standard is Standard.ERC1155:
        if token_id is None:
            raise ProposalInputError(f"{_name(token)} is an ERC-1155 token: give the token id (--token-id) to send")
        units = parse_amount(amount, token.decimals, symbol=_symbol(token), what=what)
        data = build_call(s.ERC1155_SAFE_TRANSFER.signature, vault, recipient, token_id, units, b"")
    else:
        raise ProposalInputError(f"{_name(token)} has the standard {standard.value}, which Custos cannot transfer")
    return CheckRequest(safe=vault, to=token.address, value=0, data=data, nonce=nonce)


def _symbol(token: TokenEntry) -> str:
    symbol = token.symbol.encode("ascii", "backslashreplace").decode("ascii")[:16]
    return symbol if symbol.isprintable() else ""


def _name(token: TokenEntry) -> str:
    symbol = _symbol(token)
    return f"{symbol} ({token.address})" if symbol else token.address


def _standard_name(standard: Standard) -> str:
    return {Standard.ERC20: "an ERC-20 token", Standard.ERC3643: "an ERC-3643 token"}.get(standard, standard.value)


# -- batches ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BatchCall:
    """One call of a batch, made by the vault (CALL: MultiSendCallOnly refuses anything else)."""

    to: str
    value: int = 0  # native coin, base units
    data: bytes = b""


def build_batch(*, safe: str, calls: Sequence[BatchCall], multisend: str, nonce: int | None = None) -> CheckRequest:
    """The calls as one transaction: a DELEGATECALL to the pinned MultiSendCallOnly `multisend` with
    multiSend(packed calls), every inner call a CALL from the vault, in order."""
    vault = check_address(safe, "the vault (safe)")
    target = check_address(multisend, "the MultiSendCallOnly contract")
    if target in (ZERO_ADDRESS, vault):
        raise ProposalInputError(f"{target} cannot be the MultiSendCallOnly contract")
    if nonce is not None:
        check_uint(nonce, "the nonce")
    if isinstance(calls, (str, bytes)) or not isinstance(calls, Sequence):
        raise ProposalInputError("a batch is a sequence of calls")
    if not calls:
        raise ProposalInputError("A batch needs at least one call")
    if len(calls) > MAX_CALLS:
        raise ProposalInputError(f"A batch holds at most {MAX_CALLS} calls ({len(calls)} were given)")
    packed = []
    for number, call in enumerate(calls, start=1):
        if not isinstance(call, BatchCall):
            raise ProposalInputError(f"call {number} of the batch is not a BatchCall")
        call_to = check_address(call.to, f"the target of call {number}")
        if call_to == target:
            raise ProposalInputError(f"call {number} of the batch calls the MultiSendCallOnly contract itself")
        data = call.data
        if not isinstance(data, (bytes, bytearray)):
            raise CheckInputError(f"the data of call {number} must be bytes, not {type(data).__name__}")
        packed.append(PackedCall(int(Operation.CALL), call_to, check_uint(call.value, f"the value of call {number}"),
                                 bytes(data)))
    return CheckRequest(safe=vault, to=target, value=0, data=build_multisend_call(packed),
                        operation=int(Operation.DELEGATECALL), nonce=nonce)


# -- owner changes ----------------------------------------------------------------------------------------------------

class OwnerChangeKind(Enum):
    ADD = "add"  # addOwnerWithThreshold(owner, threshold)
    REMOVE = "remove"  # removeOwner(prevOwner, owner, threshold)
    SWAP = "swap"  # swapOwner(prevOwner, oldOwner, newOwner)
    THRESHOLD = "threshold"  # changeThreshold(threshold)


@dataclass(frozen=True, slots=True)
class OwnerChange:
    """A change of a vault's owners or threshold; make one with `add`, `remove`, `swap` or `set_threshold`."""

    kind: OwnerChangeKind
    owner: str = ""  # add: the new owner; remove: the owner leaving; swap: the owner replaced
    new_owner: str = ""  # swap: the owner taking the place
    threshold: int = 0  # add, remove, threshold: the threshold afterwards

    @classmethod
    def add(cls, owner: str, threshold: int) -> OwnerChange:
        return cls(OwnerChangeKind.ADD, owner=owner, threshold=threshold)

    @classmethod
    def remove(cls, owner: str, threshold: int) -> OwnerChange:
        return cls(OwnerChangeKind.REMOVE, owner=owner, threshold=threshold)

    @classmethod
    def swap(cls, old_owner: str, new_owner: str) -> OwnerChange:
        return cls(OwnerChangeKind.SWAP, owner=old_owner, new_owner=new_owner)

    @classmethod
    def set_threshold(cls, threshold: int) -> OwnerChange:
        return cls(OwnerChangeKind.THRESHOLD, threshold=threshold)


def previous_owner(owners: Sequence[str], owner: str) -> str:
    """`prevOwner` for removing or swapping `owner`: the owner before it in the Safe's linked list, which is the order
    getOwners() returns, or the sentinel 0x…01 for the first."""
    checksummed = [to_checksum(o) for o in owners]
    wanted = to_checksum(owner)
    if wanted not in checksummed:
        raise ProposalInputError(f"{wanted} is not an owner of the vault")
    at = checksummed.index(wanted)
    return SENTINEL_OWNERS if at == 0 else checksummed[at - 1]


def build_owner_change(*, vault: VaultInfo, change: OwnerChange, nonce: int | None = None) -> CheckRequest:
    """The vault's call to itself that makes `change`, checked against its owners and threshold as `vault` read
    them (the list in getOwners() order): a change the Safe would refuse, or one that leaves nothing changed, is
    refused here with the reason."""
    address = check_address(vault.address, "the vault")
    owners = [to_checksum(o) for o in vault.owners]
    if not owners:
        raise ProposalInputError(f"{address} has no owners as read; read the vault again")
    if nonce is not None:
        check_uint(nonce, "the nonce")
    name = f"{vault.label} ({address})" if vault.label else address
    kind = change.kind
    if kind is OwnerChangeKind.ADD:
        owner = _new_owner(change.owner, "the owner to add", address, owners, name)
        threshold = _threshold(change.threshold, len(owners) + 1, "after adding an owner")
        data = build_call(s.ADD_OWNER.signature, owner, threshold)
    elif kind is OwnerChangeKind.REMOVE:
        owner = check_address(change.owner, "the owner to remove")
        if owner not in owners:
            raise ProposalInputError(f"{owner} is not an owner of {name}, so it cannot be removed")
        if len(owners) == 1:
            raise ProposalInputError(f"{owner} is the only owner of {name}: a vault cannot be left without owners")
        threshold = _threshold(change.threshold, len(owners) - 1, "after removing an owner")
        data = build_call(s.REMOVE_OWNER.signature, previous_owner(owners, owner), owner, threshold)
    elif kind is OwnerChangeKind.SWAP:
        old = check_address(change.owner, "the owner to replace")
        if old not in owners:
            raise ProposalInputError(f"{old} is not an owner of {name}, so it cannot be replaced")
        new = _new_owner(change.new_owner, "the new owner", address, owners, name)
        data = build_call(s.SWAP_OWNER.signature, previous_owner(owners, old), old, new)
    elif kind is OwnerChangeKind.THRESHOLD:
        threshold = _threshold(change.threshold, len(owners), "")
        if threshold == vault.threshold:
            raise ProposalInputError(f"The threshold of {name} is already {threshold}: nothing would change")
        data = build_call(s.CHANGE_THRESHOLD.signature, threshold)
    else:  # pragma: no cover - the enum is closed
        raise ProposalInputError(f"unknown owner change {kind!r}")
    return CheckRequest(safe=address, to=address, value=0, data=data, nonce=nonce)


def _new_owner(text: str, what: str, vault: str, owners: Sequence[str], name: str) -> str:
    owner = check_address(text, what)
    if owner in (ZERO_ADDRESS, SENTINEL_OWNERS):
        raise ProposalInputError(f"{owner} cannot be an owner (the Safe reserves it)")
    if owner == vault:
        raise ProposalInputError("A vault cannot be its own owner")
    if owner in owners:
        raise ProposalInputError(f"{owner} is already an owner of {name}")
    return owner


def _threshold(value: int, owners_after: int, when: str) -> int:
    threshold = check_uint(value, "the threshold")
    if not 1 <= threshold <= owners_after:
        context = f" {when}" if when else ""
        raise ProposalInputError(f"The threshold must be from 1 to the {owners_after} owner"
                                 f"{'s' if owners_after != 1 else ''} the vault has{context} (got {threshold})")
    return threshold
