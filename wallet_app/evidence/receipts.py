"""The on-chain receipts of the transfers in an evidence pack, read from the profile's node when it answers.

An export never fails because the node is down: a receipt that could not be read says "not fetched" and why, and
after the first failure to reach the node no further receipt is asked for (one timeout, not one per transfer).
What the queue itself stored (the executing transaction, its block and outcome) is in the pack either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallet_app.chain.client import ChainClient, Receipt

OpenChain = Callable[[], tuple[ChainClient, Callable[[], None]]]
"""Opens the profile's node (checked to be on the profile's chain) and gives the way to close it."""


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {
        "fetched": True,
        "found": True,
        "transaction_hash": "0x" + receipt.transaction_hash.hex(),
        "block_number": receipt.block_number,
        "block_hash": "0x" + receipt.block_hash.hex() if receipt.block_hash else None,
        "status": receipt.status,
        "gas_used": receipt.gas_used,
        "logs": [{"address": log.address, "log_index": log.log_index,
                  "topics": ["0x" + topic.hex() for topic in log.topics], "data": "0x" + log.data.hex()}
                 for log in receipt.logs],
    }


class ReceiptReader:
    def __init__(self, open_chain: OpenChain | None, *, reason_if_none: str = "no node is configured") -> None:
        self._open = open_chain
        self._client: ChainClient | None = None
        self._close: Callable[[], None] | None = None
        self._down = "" if open_chain is not None else reason_if_none
        self.fetched = 0
        self.missing = 0

    def read(self, tx_hash: str | None) -> dict[str, Any]:
        """The receipt of `tx_hash` (0x-hex) as JSON: fetched, or not fetched and why."""
        if not tx_hash:
            return {"fetched": False, "reason": "no transaction was sent for it"}
        if self._down:
            self.missing += 1
            return {"fetched": False, "reason": f"not fetched: {self._down}"}
        try:
            raw = bytes.fromhex(tx_hash.removeprefix("0x"))
            receipt = self._chain().fetch_receipt(raw)
        except ValueError:
            self.missing += 1
            return {"fetched": False, "reason": "not fetched: the stored transaction hash is not hex"}
        except Exception as exc:  # the node is down, refuses, or is on another chain: say so and go on
            self._down = _why(exc)
            self.missing += 1
            return {"fetched": False, "reason": f"not fetched: {self._down}"}
        if receipt is None:
            self.missing += 1
            return {"fetched": True, "found": False,
                    "reason": "the node has no receipt for it (not mined, or no longer in the chain)"}
        self.fetched += 1
        return receipt_json(receipt)

    def _chain(self) -> ChainClient:
        if self._client is None:
            assert self._open is not None
            self._client, self._close = self._open()
        return self._client

    def close(self) -> None:
        close, self._close, self._client = self._close, None, None
        if close is not None:
            close()


def _why(exc: Exception) -> str:
    message = getattr(exc, "user_message", None) or f"{type(exc).__name__}: {exc}"
    return " ".join(str(message).split())[:200]
