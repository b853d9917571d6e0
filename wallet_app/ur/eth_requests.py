"""ERC-4527 eth-sign-request and eth-signature: what Custos shows an air-gapped signer, and what comes back.

Field keys, tags and shapes follow ERC-4527 and Keystone's registries (bc-ur-registry-eth `EthSignRequest.ts` and
`EthSignature.ts`; keystone-sdk-rust `ethereum/eth_sign_request.rs`): the UR's CBOR is the untagged map, the request
id is a 16-byte UUID under tag 37 and the derivation path a crypto-keypath under tag 304. Decoding is strict: every
field must have its type, unknown fields are refused rather than ignored, and each class checks its own invariants
when it is built, so an invalid request can neither be read nor written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from wallet_app.ur.cbor import Tagged, dumps, loads
from wallet_app.ur.errors import URError
from wallet_app.ur.items import UINT64_MAX, Fields
from wallet_app.ur.keypath import KEYPATH_TAG, KeyPath

UUID_TAG = 37
DATA_TYPE_TRANSACTION = 1  # legacy transaction: RLP of the unsigned transaction
DATA_TYPE_TYPED_DATA = 2  # EIP-712 typed data: the JSON text, UTF-8
DATA_TYPE_PERSONAL_MESSAGE = 3  # EIP-191 personal_sign: the raw message bytes
DATA_TYPE_TYPED_TRANSACTION = 4  # EIP-2718 typed transaction: type byte then payload, unsigned
DATA_TYPES = {
    DATA_TYPE_TRANSACTION: "legacy transaction",
    DATA_TYPE_TYPED_DATA: "typed data (EIP-712)",
    DATA_TYPE_PERSONAL_MESSAGE: "personal message",
    DATA_TYPE_TYPED_TRANSACTION: "typed transaction (EIP-2718)",
}
# r (32) and s (32), then v big-endian without leading zero bytes. ERC-4527 says 65 bytes, and that is what Keystone
# sends for typed data and personal messages (v 27/28) and typed transactions (v 0/1); for a legacy EIP-155
# transaction its firmware appends v = chain_id * 2 + 35 + parity in as many bytes as it needs (structs.rs
# `EthereumSignature::serialize`), so chains from id 110 on give 66 bytes or more. v is a u64 there: 8 bytes at most.
SIGNATURE_MIN_BYTES = 65
SIGNATURE_MAX_BYTES = 64 + 8

_REQUEST_NAMES = {
    1: "request-id",
    2: "sign-data",
    3: "data-type",
    4: "chain-id",
    5: "derivation-path",
    6: "address",
    7: "origin",
}
_SIGNATURE_NAMES = {1: "request-id", 2: "signature", 3: "origin"}


def _uuid_item(request_id: uuid.UUID) -> Tagged:
    return Tagged(UUID_TAG, request_id.bytes)


def _read_uuid(fields: Fields, key: int) -> uuid.UUID:
    raw = fields.tagged(key, UUID_TAG)
    if not isinstance(raw, bytes) or len(raw) != 16:
        raise URError(f"{fields.what} request id must be a 16-byte UUID under tag {UUID_TAG}")
    return uuid.UUID(bytes=raw)


def _check_sign_data(data_type: int, sign_data: bytes) -> None:
    """Cheap shape checks that catch a mislabelled payload before a person is asked to review it."""
    if data_type == DATA_TYPE_TRANSACTION and sign_data[0] < 0xC0:
        raise URError("the sign data of a legacy transaction must be an RLP list")
    if data_type == DATA_TYPE_TYPED_TRANSACTION and sign_data[0] > 0x7F:
        raise URError("the sign data of a typed transaction must start with its EIP-2718 type byte (0x00..0x7f)")
    if data_type == DATA_TYPE_TYPED_DATA:
        try:
            sign_data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise URError("the sign data of typed data must be EIP-712 JSON text in UTF-8") from exc


@dataclass(frozen=True)
class EthSignRequest:
    """One signing request: the data, how to read it, which key signs, and for which chain."""

    UR_TYPE: ClassVar[str] = "eth-sign-request"

    request_id: uuid.UUID
    sign_data: bytes
    data_type: int
    chain_id: int | None
    derivation_path: KeyPath
    address: bytes | None = None
    origin: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.request_id, uuid.UUID):
            raise URError("an eth-sign-request needs a UUID request id")
        if not isinstance(self.sign_data, bytes) or not self.sign_data:
            raise URError("an eth-sign-request needs sign data (non-empty bytes)")
        if isinstance(self.data_type, bool) or self.data_type not in DATA_TYPES:
            raise URError(f"data type {self.data_type!r} is not one of 1..4 (ERC-4527)")
        if self.chain_id is not None and (
            isinstance(self.chain_id, bool) or not isinstance(self.chain_id, int) or not 0 < self.chain_id <= UINT64_MAX
        ):
            raise URError("a chain id must be a positive 64-bit integer")
        if not isinstance(self.derivation_path, KeyPath) or not self.derivation_path.components:
            raise URError("an eth-sign-request needs the derivation path of the signing key")
        if self.address is not None and (not isinstance(self.address, bytes) or len(self.address) != 20):
            raise URError("an eth-sign-request address must be exactly 20 bytes")
        if self.origin is not None and not isinstance(self.origin, str):
            raise URError("an eth-sign-request origin must be text")
        _check_sign_data(self.data_type, self.sign_data)

    def to_cbor(self) -> bytes:
        item: dict[int, object] = {
            1: _uuid_item(self.request_id),
            2: self.sign_data,
            3: self.data_type,
            5: self.derivation_path.to_tagged(),
        }
        if self.chain_id is not None:
            item[4] = self.chain_id
        if self.address is not None:
            item[6] = self.address
        if self.origin is not None:
            item[7] = self.origin
        return dumps(item)

    @classmethod
    def from_cbor(cls, data: bytes) -> EthSignRequest:
        fields = Fields(loads(data), cls.UR_TYPE, _REQUEST_NAMES, required=(1, 2, 3, 5))
        return cls(
            request_id=_read_uuid(fields, 1),
            sign_data=fields.bytes_(2, min_size=1),
            data_type=fields.uint(3, minimum=1, maximum=len(DATA_TYPES)),
            chain_id=fields.uint(4, minimum=1) if fields.has(4) else None,
            derivation_path=KeyPath.from_item(fields.tagged(5, KEYPATH_TAG), f"{cls.UR_TYPE} derivation path"),
            address=fields.bytes_(6, size=20) if fields.has(6) else None,
            origin=fields.text(7) if fields.has(7) else None,
        )


@dataclass(frozen=True)
class EthSignature:
    """The signer's answer: r, s and v for the request it names."""

    UR_TYPE: ClassVar[str] = "eth-signature"

    request_id: uuid.UUID | None
    signature: bytes
    origin: str | None = None

    def __post_init__(self) -> None:
        if self.request_id is not None and not isinstance(self.request_id, uuid.UUID):
            raise URError("an eth-signature request id must be a UUID")
        if not isinstance(self.signature, bytes):
            raise URError("an eth-signature needs the signature bytes")
        if not SIGNATURE_MIN_BYTES <= len(self.signature) <= SIGNATURE_MAX_BYTES:
            raise URError(
                f"an eth-signature must be {SIGNATURE_MIN_BYTES} bytes (r, s, v), not {len(self.signature)}"
                if len(self.signature) < SIGNATURE_MIN_BYTES
                else f"an eth-signature of {len(self.signature)} bytes is too long: v fits in 8 bytes"
            )
        if len(self.signature) > SIGNATURE_MIN_BYTES and self.signature[64] == 0:
            raise URError("an eth-signature's v has a leading zero byte: it is not in its shortest form")
        if self.origin is not None and not isinstance(self.origin, str):
            raise URError("an eth-signature origin must be text")

    @property
    def r(self) -> int:
        return int.from_bytes(self.signature[:32], "big")

    @property
    def s(self) -> int:
        return int.from_bytes(self.signature[32:64], "big")

    @property
    def v(self) -> int:
        """27/28 for messages and typed data, 0/1 for typed transactions, EIP-155 v for legacy transactions."""
        return int.from_bytes(self.signature[64:], "big")

    def to_cbor(self) -> bytes:
        item: dict[int, object] = {2: self.signature}
        if self.request_id is not None:
            item[1] = _uuid_item(self.request_id)
        if self.origin is not None:
            item[3] = self.origin
        return dumps(item)

    @classmethod
    def from_cbor(cls, data: bytes) -> EthSignature:
        fields = Fields(loads(data), cls.UR_TYPE, _SIGNATURE_NAMES, required=(2,))
        return cls(
            request_id=_read_uuid(fields, 1) if fields.has(1) else None,
            signature=fields.bytes_(2, min_size=SIGNATURE_MIN_BYTES, max_size=SIGNATURE_MAX_BYTES),
            origin=fields.text(3) if fields.has(3) else None,
        )
