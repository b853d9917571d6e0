"""A transfer from an account vault: one EIP-1559 transaction (EIP-2718 type 2), built, hashed and parsed by our own
strict code, and assembled with a signature.

The unsigned form is `0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data,
accessList])`; its keccak-256 is the signing hash the approvals and the cold ceremony are about (and what an
ERC-4527 eth-sign-request of data type 4 carries). Access lists are refused: an account vault sends plain calls, and
a list would be one more field for an approver to read. Contract creation (no `to`) is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_hash.auto import keccak

from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.domain.units import MAX_UINT256
from wallet_app.errors import WalletError

TX_TYPE = 0x02
ACCOUNT_VERSION = "account"  # what a policy check of an account vault's transfer names as the vault's version
MAX_DATA = 128 * 1024  # bytes of calldata an account vault may send
_FIELDS = 9


class AccountTxError(WalletError, ValueError):
    """An account-vault transaction that is not one Custos signs; nothing was signed."""

    code = "account_tx"


@dataclass(frozen=True, slots=True)
class AccountTx:
    chain_id: int
    nonce: int
    to: str  # EIP-55
    value: int
    data: bytes
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        for name in ("chain_id", "nonce", "value", "gas", "max_fee_per_gas", "max_priority_fee_per_gas"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= MAX_UINT256:
                raise AccountTxError(f"the transaction's {name.replace('_', ' ')} must be a whole number from 0 to "
                                     "2**256-1")
        if self.chain_id == 0:
            raise AccountTxError("the transaction must name its chain (chain id 0 could be replayed anywhere)")
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise AccountTxError("the priority fee is above the maximum fee")
        if len(self.data) > MAX_DATA:
            raise AccountTxError(f"the transaction's data is over {MAX_DATA} bytes")
        if to_checksum(self.to) != self.to:
            raise AccountTxError("the transaction's recipient must be an EIP-55 address")

    def _fields(self) -> list[object]:
        return [self.chain_id, self.nonce, self.max_priority_fee_per_gas, self.max_fee_per_gas, self.gas,
                bytes.fromhex(self.to[2:]), self.value, self.data, []]

    def unsigned_bytes(self) -> bytes:
        encoded: bytes = rlp.encode(self._fields())
        return bytes([TX_TYPE]) + encoded

    def signing_hash(self) -> bytes:
        return keccak(self.unsigned_bytes())

    def signed_bytes(self, y_parity: int, r: int, s: int) -> bytes:
        """The raw transaction to broadcast: the fields, then yParity, r, s."""
        if y_parity not in (0, 1):
            raise AccountTxError("the signature's y parity must be 0 or 1")
        encoded: bytes = rlp.encode([*self._fields(), y_parity, r, s])
        return bytes([TX_TYPE]) + encoded


def parse_unsigned(raw: bytes) -> AccountTx:
    """An unsigned type-2 transaction from its bytes, or AccountTxError saying in plain words why not."""
    if not raw or raw[0] != TX_TYPE:
        raise AccountTxError("this is not an EIP-1559 transaction (type 2)")
    try:
        items = rlp.decode(raw[1:], strict=True)
    except (rlp.DecodingError, rlp.exceptions.DeserializationError):
        raise AccountTxError("the transaction's encoding is damaged") from None
    if not isinstance(items, list) or len(items) != _FIELDS:
        raise AccountTxError(f"an unsigned EIP-1559 transaction has {_FIELDS} fields; this one does not")
    chain_id, nonce, tip, max_fee, gas, to, value, data, access = items
    numbers = [_uint(x) for x in (chain_id, nonce, tip, max_fee, gas, value)]
    if not isinstance(to, bytes) or len(to) != 20:
        raise AccountTxError("the transaction has no 20-byte recipient (contract creation is not signed here)")
    if access != []:
        raise AccountTxError("the transaction carries an access list, which Custos does not sign")
    if not isinstance(data, bytes):
        raise AccountTxError("the transaction's data is not a byte string")
    tx = AccountTx(chain_id=numbers[0], nonce=numbers[1], to=from_bytes(to), value=numbers[5], data=data,
                   gas=numbers[4], max_fee_per_gas=numbers[3], max_priority_fee_per_gas=numbers[2])
    if tx.unsigned_bytes() != raw:
        raise AccountTxError("the transaction is not in canonical form")
    return tx


def _uint(item: object) -> int:
    if not isinstance(item, bytes) or len(item) > 32 or item[:1] == b"\x00":
        raise AccountTxError("a number in the transaction is not a canonical whole number")
    return int.from_bytes(item, "big")
