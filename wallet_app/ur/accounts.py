"""Pairing with an air-gapped signer: crypto-hdkey (BCR-2020-007, tag 303) and crypto-account (BCR-2020-015).

Keystone exports Ethereum accounts in two shapes, both read here (keystone3-firmware `rust/apps/wallets/src/
metamask.rs`; keystone-sdk-rust `sync/crypto_hd_key.rs` and `sync/crypto_account.rs`):
- BIP-44 standard and Ledger legacy: one crypto-hdkey, the account key m/44'/60'/0' with its chain code, use-info
  {type: 60}, and children "0/*" (standard) or "*" (legacy); the addresses are its children (`derive_child`).
- Ledger Live: a crypto-account whose outputs are plain tagged crypto-hdkeys (tag 303, no script-expression tag
  around them), one per account at m/44'/60'/N'/0/0, without chain codes; each key is itself an address.
Only public keys are accepted: an item that says it is private or a master key (always private) is refused, so a
secret can never be stored by accident.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import ClassVar

import coincurve
from eth_hash.auto import keccak

from wallet_app.domain.addresses import from_bytes
from wallet_app.ur.cbor import Tagged, dumps, loads
from wallet_app.ur.errors import URError
from wallet_app.ur.items import UINT32_MAX, Fields
from wallet_app.ur.keypath import HARDENED_LIMIT, KEYPATH_TAG, ChildrenPath, KeyPath, PathComponent

HDKEY_TAG = 303
COIN_INFO_TAG = 305
ETHEREUM_COIN_TYPE = 60  # SLIP-44
_HDKEY_NAMES = {
    1: "is-master",
    2: "is-private",
    3: "key-data",
    4: "chain-code",
    5: "use-info",
    6: "origin",
    7: "children",
    8: "parent-fingerprint",
    9: "name",
    10: "note",
}
_COIN_NAMES = {1: "type", 2: "network"}
_ACCOUNT_NAMES = {1: "master-fingerprint", 2: "output-descriptors"}
# BCR-2020-010 script expressions (sh, wsh, pk, pkh, wpkh, combo, multi, sortedmulti, raw, addr): Bitcoin outputs.
_SCRIPT_TAGS = {400, 401, 402, 403, 404, 405, 406, 407, 408, 307}


def _ripemd160(data: bytes) -> bytes:
    """OpenSSL 3 may leave RIPEMD-160 to its legacy provider; pycryptodome (under eth-account) always has it."""
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:
        from Crypto.Hash import RIPEMD160

        return bytes(RIPEMD160.new(data).digest())


@dataclass(frozen=True)
class CoinInfo:
    """crypto-coininfo (tag 305): the coin type (60 for Ethereum) and network (0 mainnet) a key is for."""

    coin_type: int = ETHEREUM_COIN_TYPE
    network: int | None = None

    def to_item(self) -> dict[int, object]:
        item: dict[int, object] = {1: self.coin_type}
        if self.network is not None:
            item[2] = self.network
        return item


@dataclass(frozen=True)
class CryptoHDKey:
    """A public key with what a watch-only wallet needs to use it. `is_master`/`is_private` are None when absent
    and False when the signer states them (Keystone writes is-private false); True is refused."""

    UR_TYPE: ClassVar[str] = "crypto-hdkey"

    key_data: bytes
    chain_code: bytes | None = None
    use_info: CoinInfo | None = None
    origin: KeyPath | None = None
    children: ChildrenPath | None = None
    parent_fingerprint: int | None = None
    name: str | None = None
    note: str | None = None
    is_master: bool | None = None
    is_private: bool | None = None

    def __post_init__(self) -> None:
        if self.is_master or self.is_private:
            raise URError("this crypto-hdkey carries a private key: Custos accepts public keys only, never secrets")
        if not isinstance(self.key_data, bytes) or len(self.key_data) != 33 or self.key_data[0] not in (2, 3):
            raise URError("a crypto-hdkey key must be a 33-byte compressed public key (02/03 prefix)")
        try:
            coincurve.PublicKey(self.key_data)
        except ValueError as exc:
            raise URError("the crypto-hdkey key data is not a point on secp256k1") from exc
        if self.chain_code is not None and (not isinstance(self.chain_code, bytes) or len(self.chain_code) != 32):
            raise URError("a crypto-hdkey chain code must be exactly 32 bytes")
        if self.use_info is not None and self.use_info.coin_type != ETHEREUM_COIN_TYPE:
            raise URError(f"this key is for coin type {self.use_info.coin_type}, not Ethereum (60)")
        if self.parent_fingerprint is not None and not 0 < self.parent_fingerprint <= UINT32_MAX:
            raise URError("a crypto-hdkey parent fingerprint must be a non-zero 32-bit number")

    @property
    def address(self) -> str:
        """EIP-55 address of this very key (for an account key with children, see `derive_child`)."""
        uncompressed = coincurve.PublicKey(self.key_data).format(compressed=False)
        return from_bytes(keccak(uncompressed[1:])[-20:])

    @property
    def fingerprint(self) -> int:
        """BIP-32 fingerprint of this key: the first 4 bytes of HASH160 (the children's parent fingerprint)."""
        return int.from_bytes(_ripemd160(hashlib.sha256(self.key_data).digest())[:4], "big")

    def derive_child(self, index: int) -> CryptoHDKey:
        """BIP-32 CKDpub: the non-hardened child `index` (a public key cannot derive hardened children)."""
        if self.chain_code is None:
            raise URError("this key has no chain code: no keys can be derived from it")
        if not 0 <= index < HARDENED_LIMIT:
            raise URError("only non-hardened children (0..2^31-1) can be derived from a public key")
        digest = hmac.new(self.chain_code, self.key_data + index.to_bytes(4, "big"), hashlib.sha512).digest()
        try:
            child = coincurve.PublicKey(self.key_data).add(digest[:32])
        except ValueError as exc:  # IL >= n or the point at infinity: BIP-32 says skip to the next index
            raise URError(f"child {index} does not exist (BIP-32 invalid key); use the next index") from exc
        origin = None
        if self.origin is not None:
            depth = None if self.origin.depth is None else self.origin.depth + 1
            steps = (*self.origin.components, PathComponent(index, False))
            origin = KeyPath(steps, self.origin.source_fingerprint, depth)
        return CryptoHDKey(
            key_data=child.format(compressed=True),
            chain_code=digest[32:],
            use_info=self.use_info,
            origin=origin,
            parent_fingerprint=self.fingerprint,
            name=self.name,
        )

    def to_item(self) -> dict[int, object]:
        """The crypto-hdkey map (untagged, as in a UR of type crypto-hdkey); accounts wrap it in tag 303."""
        item: dict[int, object] = {3: self.key_data}
        optional: dict[int, object | None] = {
            1: self.is_master,
            2: self.is_private,
            4: self.chain_code,
            5: None if self.use_info is None else Tagged(COIN_INFO_TAG, self.use_info.to_item()),
            6: None if self.origin is None else self.origin.to_tagged(),
            7: None if self.children is None else Tagged(KEYPATH_TAG, self.children.to_item()),
            8: self.parent_fingerprint,
            9: self.name,
            10: self.note,
        }
        item.update({k: v for k, v in optional.items() if v is not None})
        return item

    def to_cbor(self) -> bytes:
        return dumps(self.to_item())

    @classmethod
    def from_item(cls, item: object, what: str = "crypto-hdkey") -> CryptoHDKey:
        fields = Fields(item, what, _HDKEY_NAMES, required=(3,))
        use_info = None
        if fields.has(5):
            coin = Fields(fields.tagged(5, COIN_INFO_TAG), f"{what} use-info", _COIN_NAMES)
            if not coin.has(1):
                raise URError(f"{what} use-info names no coin type: that means Bitcoin, not Ethereum (60)")
            use_info = CoinInfo(coin.uint(1, maximum=HARDENED_LIMIT - 1), coin.uint(2) if coin.has(2) else None)
        return cls(
            key_data=fields.bytes_(3, size=33),
            chain_code=fields.bytes_(4, size=32) if fields.has(4) else None,
            use_info=use_info,
            origin=KeyPath.from_item(fields.tagged(6, KEYPATH_TAG), f"{what} origin") if fields.has(6) else None,
            children=ChildrenPath.from_item(fields.tagged(7, KEYPATH_TAG), f"{what} children")
            if fields.has(7)
            else None,
            parent_fingerprint=fields.uint(8, minimum=1, maximum=UINT32_MAX) if fields.has(8) else None,
            name=fields.text(9) if fields.has(9) else None,
            note=fields.text(10) if fields.has(10) else None,
            is_master=fields.boolean(1) if fields.has(1) else None,
            is_private=fields.boolean(2) if fields.has(2) else None,
        )

    @classmethod
    def from_cbor(cls, data: bytes) -> CryptoHDKey:
        return cls.from_item(loads(data))


@dataclass(frozen=True)
class CryptoAccount:
    """Several keys under one master fingerprint, as Keystone's Ledger Live export sends them."""

    UR_TYPE: ClassVar[str] = "crypto-account"

    master_fingerprint: int
    keys: tuple[CryptoHDKey, ...]

    def __post_init__(self) -> None:
        if isinstance(self.master_fingerprint, bool) or not 0 <= self.master_fingerprint <= UINT32_MAX:
            raise URError("a crypto-account master fingerprint must be a 32-bit number")
        if not self.keys:
            raise URError("a crypto-account must hold at least one key")
        for number, key in enumerate(self.keys, 1):
            source = None if key.origin is None else key.origin.source_fingerprint
            if source is not None and source != self.master_fingerprint:
                raise URError(
                    f"crypto-account key {number} comes from master 0x{source:08x}, "
                    f"not the account's 0x{self.master_fingerprint:08x}"
                )

    @classmethod
    def from_hdkey(cls, key: CryptoHDKey, master_fingerprint: int | None = None) -> CryptoAccount:
        """An account of one key; the master fingerprint defaults to the one in the key's origin."""
        if master_fingerprint is None:
            master_fingerprint = None if key.origin is None else key.origin.source_fingerprint
        if master_fingerprint is None:
            raise URError("a crypto-account needs the master fingerprint, and the key's origin does not name it")
        return cls(master_fingerprint, (key,))

    def to_cbor(self) -> bytes:
        outputs = [Tagged(HDKEY_TAG, key.to_item()) for key in self.keys]
        return dumps({1: self.master_fingerprint, 2: outputs})

    @classmethod
    def from_cbor(cls, data: bytes) -> CryptoAccount:
        fields = Fields(loads(data), cls.UR_TYPE, _ACCOUNT_NAMES, required=(1, 2))
        outputs = fields.raw(2)
        if not isinstance(outputs, list):
            raise URError("crypto-account output descriptors must be an array")
        keys = []
        for number, output in enumerate(outputs, 1):
            what = f"crypto-account output {number}"
            if isinstance(output, Tagged) and output.tag in _SCRIPT_TAGS:
                raise URError(f"{what} is a Bitcoin output descriptor (tag {output.tag}); Custos reads Ethereum keys")
            if not isinstance(output, Tagged) or output.tag != HDKEY_TAG:
                got = f"tag {output.tag}" if isinstance(output, Tagged) else "untagged"
                raise URError(f"{what} must be a crypto-hdkey under tag {HDKEY_TAG}, not {got}")
            keys.append(CryptoHDKey.from_item(output.value, what))
        return cls(fields.uint(1, maximum=UINT32_MAX), tuple(keys))
