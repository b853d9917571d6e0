"""The BC-UR registry types Custos reads and writes for air-gapped Ethereum signing, and their JSON view.

The types live in `eth_requests` (eth-sign-request, eth-signature) and `accounts` (crypto-hdkey, crypto-account);
this module is the one door: `decode_registry_ur` turns a UR's type and CBOR into one of them and refuses every other
type, and `fields_json` gives the stable JSON a command line prints (the keys are a user-facing contract).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallet_app.domain.addresses import from_bytes
from wallet_app.ur.accounts import CoinInfo, CryptoAccount, CryptoHDKey
from wallet_app.ur.errors import URError
from wallet_app.ur.eth_requests import (
    DATA_TYPE_PERSONAL_MESSAGE,
    DATA_TYPE_TRANSACTION,
    DATA_TYPE_TYPED_DATA,
    DATA_TYPE_TYPED_TRANSACTION,
    DATA_TYPES,
    EthSignature,
    EthSignRequest,
)
from wallet_app.ur.items import shown
from wallet_app.ur.keypath import KeyPath, PathComponent, parse_path

__all__ = [
    "DATA_TYPES",
    "DATA_TYPE_PERSONAL_MESSAGE",
    "DATA_TYPE_TRANSACTION",
    "DATA_TYPE_TYPED_DATA",
    "DATA_TYPE_TYPED_TRANSACTION",
    "CoinInfo",
    "CryptoAccount",
    "CryptoHDKey",
    "EthSignRequest",
    "EthSignature",
    "KeyPath",
    "PathComponent",
    "RegistryItem",
    "decode_registry_ur",
    "fields_json",
    "parse_path",
]

RegistryItem = EthSignRequest | EthSignature | CryptoHDKey | CryptoAccount

_DECODERS: dict[str, Callable[[bytes], RegistryItem]] = {
    EthSignRequest.UR_TYPE: EthSignRequest.from_cbor,
    EthSignature.UR_TYPE: EthSignature.from_cbor,
    CryptoHDKey.UR_TYPE: CryptoHDKey.from_cbor,
    CryptoAccount.UR_TYPE: CryptoAccount.from_cbor,
}


def decode_registry_ur(ur_type: str, cbor: bytes) -> RegistryItem:
    """The registry item of a UR of type `ur_type`; URError for a type Custos does not read or malformed CBOR."""
    decoder = _DECODERS.get(ur_type) if isinstance(ur_type, str) else None
    if decoder is None:
        named = shown(ur_type) if isinstance(ur_type, str) else type(ur_type).__name__
        raise URError(f"Custos does not read URs of type '{named}' (it reads {', '.join(sorted(_DECODERS))})")
    return decoder(cbor)


def _fingerprint(value: int | None) -> str | None:
    return None if value is None else f"0x{value:08x}"


def _hdkey_json(key: CryptoHDKey) -> dict[str, Any]:
    return {
        "address": key.address,
        "public_key": "0x" + key.key_data.hex(),
        "derivation_path": None if key.origin is None else key.origin.text,
        "source_fingerprint": _fingerprint(None if key.origin is None else key.origin.source_fingerprint),
        "name": key.name,
        "note": key.note,
    }


def fields_json(obj: RegistryItem) -> dict[str, Any]:
    """The JSON view of a registry item (outside text stays text: json.dumps escapes it when printed)."""
    if isinstance(obj, EthSignRequest):
        return {
            "request_id": str(obj.request_id),
            "sign_data": "0x" + obj.sign_data.hex(),
            "data_type": obj.data_type,
            "chain_id": obj.chain_id,
            "derivation_path": obj.derivation_path.text,
            "source_fingerprint": _fingerprint(obj.derivation_path.source_fingerprint),
            "address": None if obj.address is None else from_bytes(obj.address),
            "origin": obj.origin,
        }
    if isinstance(obj, EthSignature):
        return {
            "request_id": None if obj.request_id is None else str(obj.request_id),
            "signature": "0x" + obj.signature.hex(),
            "origin": obj.origin,
        }
    if isinstance(obj, CryptoHDKey):
        return _hdkey_json(obj)
    if isinstance(obj, CryptoAccount):
        return {"master_fingerprint": _fingerprint(obj.master_fingerprint), "keys": [_hdkey_json(k) for k in obj.keys]}
    raise URError(f"no JSON view for {type(obj).__name__}")
