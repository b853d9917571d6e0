"""Where a token keeps a balance: storage slots of Solidity mappings, the layouts Custos knows, and their JSON form.

A mapping `m` at slot `base` keeps `m[key]` at keccak256(key as 32 bytes ‖ base as 32 bytes); a nested mapping
applies that once per key, outermost first (ERC-1155 `_balances[id][account]` has keys (id, account)). ERC-7201
namespaces put a contract's storage at keccak256(keccak256(namespace) - 1) & ~0xff.

A known layout is only a first guess: every slot Custos puts in a bundle was confirmed on chain (its proven value
equals what the token answers at the same block), see `locate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eth_utils.crypto import keccak

from wallet_app.proofs.errors import UnusableInput

WORD = 2**256


def mapping_slot(base: int, *keys: int) -> int:
    slot = base
    for key in keys:
        slot = int.from_bytes(keccak(key.to_bytes(32, "big") + slot.to_bytes(32, "big")), "big")
    return slot


def erc7201_base(namespace: str) -> int:
    inner = int.from_bytes(keccak(namespace.encode("utf-8")), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


@dataclass(frozen=True, slots=True)
class Layout:
    """A mapping the value lives in: `base` is the mapping's slot; `total_supply` the slot of the same contract's
    total supply, when the layout has one (it confirms the layout even for an account that holds nothing)."""

    name: str
    base: int
    total_supply: int | None = None


@dataclass(frozen=True, slots=True)
class SlotDerivation:
    layout: str  # plain words: which layout, or "probed"
    base: int
    keys: tuple[int, ...]

    @property
    def slot(self) -> int:
        return mapping_slot(self.base, *self.keys)

    def to_json(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "rule": "slot = keccak256(key ‖ slot), once per key in order, starting from the mapping's base slot",
            "base": _word(self.base),
            "keys": [_word(k) for k in self.keys],
            "slot": _word(self.slot),
        }


def derivation_from_json(raw: object, where: str) -> SlotDerivation:
    if not isinstance(raw, Mapping):
        raise UnusableInput(f"{where}: the slot derivation is not an object")
    layout, base, keys = raw.get("layout"), raw.get("base"), raw.get("keys")
    if not isinstance(layout, str) or not isinstance(keys, list) or not 1 <= len(keys) <= 4:
        raise UnusableInput(f"{where}: the slot derivation needs 'layout', 'base' and one to four 'keys'")
    derivation = SlotDerivation(layout, read_word(base, f"{where} base"),
                                tuple(read_word(k, f"{where} key") for k in keys))
    if "slot" in raw and read_word(raw["slot"], f"{where} slot") != derivation.slot:
        raise UnusableInput(f"{where}: the slot written does not follow from its base and keys")
    return derivation


def read_word(raw: object, what: str) -> int:
    if not isinstance(raw, str) or not raw.startswith("0x") or not 3 <= len(raw) <= 66:
        raise UnusableInput(f"{what}: expected a hex word (0x and up to 64 hex digits), got {str(raw)[:80]!r}")
    try:
        return int(raw[2:], 16)
    except ValueError:
        raise UnusableInput(f"{what}: {raw[:80]!r} is not hex") from None


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


_OZ20_NS = erc7201_base("openzeppelin.storage.ERC20")
_OZ721_NS = erc7201_base("openzeppelin.storage.ERC721")
_OZ1155_NS = erc7201_base("openzeppelin.storage.ERC1155")

# Fungible balances, mapping(address => uint256). OpenZeppelin 4 and 5 keep `_balances` first and `_totalSupply`
# third; their upgradeable forms sit after Initializable and the 50-slot gap of Context (4) or in an ERC-7201
# namespace (5). T-REX 4's Token keeps its TokenStorage after OwnableUpgradeable and AgentRoleUpgradeable.
FUNGIBLE_BALANCES = (
    Layout("OpenZeppelin 4/5 ERC20 _balances (slot 0)", 0, total_supply=2),
    Layout("OpenZeppelin 5 upgradeable ERC20 _balances (ERC-7201 openzeppelin.storage.ERC20)", _OZ20_NS,
           total_supply=_OZ20_NS + 2),
    Layout("OpenZeppelin 4 upgradeable ERC20 _balances (slot 51)", 51, total_supply=53),
    Layout("T-REX 4 TokenStorage _balances (slot 102)", 102, total_supply=104),
)
# ERC-3643 frozen amounts, mapping(address => uint256), by the balance layout they belong with.
FROZEN_BY_BALANCE_LAYOUT = {
    "T-REX 4 TokenStorage _balances (slot 102)": Layout("T-REX 4 TokenStorage _frozenTokens (slot 109)", 109),
}
# ERC-721 owners, mapping(uint256 => address).
NFT_OWNERS = (
    Layout("OpenZeppelin 4/5 ERC721 _owners (slot 2)", 2),
    Layout("OpenZeppelin 5 upgradeable ERC721 _owners (ERC-7201 openzeppelin.storage.ERC721)", _OZ721_NS + 2),
    Layout("OpenZeppelin 4 upgradeable ERC721 _owners (slot 103)", 103),
)
# ERC-1155 balances, mapping(uint256 id => mapping(address => uint256)).
MULTI_BALANCES = (
    Layout("OpenZeppelin 4/5 ERC1155 _balances (slot 0)", 0),
    Layout("OpenZeppelin 5 upgradeable ERC1155 _balances (ERC-7201 openzeppelin.storage.ERC1155)", _OZ1155_NS),
    Layout("OpenZeppelin 4 upgradeable ERC1155 _balances (slot 101)", 101),
)
PROBE_BASES = range(0, 160)  # plain contracts keep their mappings in the first slots
