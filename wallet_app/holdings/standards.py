"""What each token standard is asked, and how its answers become balances and compliance facts. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode
from eth_hash.auto import keccak

from wallet_app.chain.client import CallResult, LogEntry
from wallet_app.domain.addresses import from_bytes
from wallet_app.holdings.decode import decode_bool, decode_uint
from wallet_app.holdings.model import Compliance

TRANSFER_TOPIC = keccak(b"Transfer(address,address,uint256)")
TRANSFER_SINGLE_TOPIC = keccak(b"TransferSingle(address,address,address,uint256,uint256)")
TRANSFER_BATCH_TOPIC = keccak(b"TransferBatch(address,address,address,uint256[],uint256[])")
ERC721_ENUMERABLE_ID = bytes.fromhex("780e9d63")
MAX_ENUMERATED = 1000  # token ids read per account and ERC-721 contract


def compute_erc721_candidates(logs: list[LogEntry], accounts: set[str]) -> list[int]:
    """Token ids that were ever sent to one of `accounts` (ERC-721 Transfer: four topics). Only candidates:
    who owns each is asked with ownerOf at the snapshot block, never inferred from the events."""
    ids: set[int] = set()
    for log in logs:
        if len(log.topics) == 4 and log.topics[0] == TRANSFER_TOPIC and from_bytes(log.topics[2][12:]) in accounts:
            ids.add(int.from_bytes(log.topics[3], "big"))
    return sorted(ids)


def compute_erc1155_candidates(logs: list[LogEntry], accounts: set[str]) -> list[tuple[str, int]]:
    """(account, id) pairs that ever received units; balances are read with balanceOf at the snapshot block."""
    pairs: set[tuple[str, int]] = set()
    for log in logs:
        if len(log.topics) != 4 or log.topics[0] not in (TRANSFER_SINGLE_TOPIC, TRANSFER_BATCH_TOPIC):
            continue
        receiver = from_bytes(log.topics[3][12:])
        if receiver not in accounts:
            continue
        pairs.update((receiver, token_id) for token_id in _logged_ids(log))
    return sorted(pairs)


def _logged_ids(log: LogEntry) -> tuple[int, ...]:
    """The ids a TransferSingle/TransferBatch log names; none when its data is garbled."""
    try:
        if log.topics[0] == TRANSFER_SINGLE_TOPIC:
            return (int(decode(["uint256", "uint256"], log.data)[0]),)
        return tuple(int(i) for i in decode(["uint256[]", "uint256[]"], log.data)[0])
    except Exception:  # eth_abi raises several unrelated types for bad input
        return ()


@dataclass(frozen=True, slots=True)
class PermissionedToken:
    """Token-wide ERC-3643 facts at the snapshot block."""

    paused: bool | None
    identity_registry: str | None
    compliance: str | None


def evaluate_compliance(token: PermissionedToken, balance: int, address_frozen: CallResult | None,
                        frozen_tokens: CallResult | None, verified: CallResult | None) -> tuple[int, Compliance]:
    """Frozen units and the compliance facts of one holder. An address frozen whole freezes its whole balance."""
    notes: list[str] = []
    if token.paused:
        notes.append("transfers paused by the issuer")
    elif token.paused is None:
        notes.append("the token did not say whether it is paused")
    account_frozen = decode_bool(address_frozen)
    partial = decode_uint(frozen_tokens)
    if account_frozen:
        notes.append("address frozen by the issuer's agent: nothing can be transferred")
    elif account_frozen is None:
        notes.append("the token did not say whether this address is frozen")
    if partial:
        notes.append(f"{partial} base units frozen by the issuer's agent")
    elif partial is None:
        notes.append("the token did not say how many units are frozen")
    is_verified = decode_bool(verified) if token.identity_registry is not None else None
    if is_verified is False:
        notes.append("holder not verified in the token's identity registry: cannot receive tokens")
    elif is_verified is None:
        notes.append("holder verification could not be read from the identity registry")
    if token.compliance is None:
        notes.append("the token names no compliance module")
    frozen = balance if account_frozen else min(partial or 0, balance)
    return frozen, Compliance(paused=bool(token.paused), account_frozen=bool(account_frozen),
                              verified=is_verified, notes=tuple(notes))
