"""Token transfer events decoded into plain rows. Pure: no network, no database.

Only the logs of registry tokens are ever decoded (the indexer asks the node for those contracts' logs alone), so a
`Transfer` event that some other contract emits, naming one of our vaults as sender, never becomes history (SECURITY.md
E7). Events describe movements only; balances always come from balanceOf or proofs, never from these rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode

from wallet_app.chain.client import LogEntry
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.holdings.model import Standard
from wallet_app.holdings.standards import TRANSFER_BATCH_TOPIC, TRANSFER_SINGLE_TOPIC, TRANSFER_TOPIC

ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True, slots=True)
class DecodedTransfer:
    token: str
    standard: Standard
    tx_hash: bytes
    log_index: int
    batch_index: int  # position in a TransferBatch; 0 otherwise
    block_number: int
    token_id: int | None
    sender: str
    receiver: str
    amount: int


def topics_for(standard: Standard) -> tuple[bytes, ...]:
    """The event topics asked of a token of `standard` (one eth_getLogs query each)."""
    if standard is Standard.ERC1155:
        return (TRANSFER_SINGLE_TOPIC, TRANSFER_BATCH_TOPIC)
    if standard in (Standard.ERC20, Standard.ERC3643, Standard.ERC721):
        return (TRANSFER_TOPIC,)
    return ()


def decode_transfer_log(log: LogEntry, token: str, standard: Standard) -> list[DecodedTransfer]:
    """The transfers one log of the registry token `token` records; none when the log is not one of its standard's
    transfer events, was emitted by another contract, or is garbled."""
    try:
        if to_checksum(log.address) != to_checksum(token) or not log.topics:
            return []
        if standard in (Standard.ERC20, Standard.ERC3643):
            if log.topics[0] != TRANSFER_TOPIC or len(log.topics) != 3 or len(log.data) != 32:
                return []
            return [_row(log, token, standard, 0, None, log.topics[1], log.topics[2], int.from_bytes(log.data))]
        if standard is Standard.ERC721:
            if log.topics[0] != TRANSFER_TOPIC or len(log.topics) != 4:
                return []
            token_id = int.from_bytes(log.topics[3], "big")
            return [_row(log, token, standard, 0, token_id, log.topics[1], log.topics[2], 1)]
        if standard is Standard.ERC1155 and len(log.topics) == 4:
            if log.topics[0] == TRANSFER_SINGLE_TOPIC:
                token_id, value = decode(["uint256", "uint256"], log.data)
                return [_row(log, token, standard, 0, int(token_id), log.topics[2], log.topics[3], int(value))]
            if log.topics[0] == TRANSFER_BATCH_TOPIC:
                ids, values = decode(["uint256[]", "uint256[]"], log.data)
                if len(ids) != len(values):
                    return []
                return [_row(log, token, standard, i, int(t), log.topics[2], log.topics[3], int(v))
                        for i, (t, v) in enumerate(zip(ids, values, strict=True))]
    except Exception:  # eth_abi and address parsing raise several unrelated types for hostile input
        return []
    return []


def _row(log: LogEntry, token: str, standard: Standard, batch_index: int, token_id: int | None, sender: bytes,
         receiver: bytes, amount: int) -> DecodedTransfer:
    if len(sender) != 32 or len(receiver) != 32 or any(sender[:12]) or any(receiver[:12]):
        raise ValueError("an address topic has dirty upper bytes")
    return DecodedTransfer(token=to_checksum(token), standard=standard, tx_hash=log.transaction_hash,
                           log_index=log.log_index, batch_index=batch_index, block_number=log.block_number,
                           token_id=token_id, sender=from_bytes(sender[12:]), receiver=from_bytes(receiver[12:]),
                           amount=amount)
