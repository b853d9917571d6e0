"""A Safe vault's owners and threshold as its storage proves them, so a signed statement checks with no node at all.

Safe 1.3.0 and 1.4.1 keep (Safe.sol and its managers' storage order): the singleton in slot 0, the owners as a
linked list in the mapping at slot 2 (owners[0x1] is the first owner, each owner maps to the next, the last maps
back to 0x1), the owner count in slot 3, the threshold in slot 4, and the fallback handler at
keccak256("fallback_manager.handler.address"). Proving those slots at the statement's block proves who could sign for
the vault then. The vault counts only when its code is a known Safe proxy, its singleton a known Safe release that
checks messages, and its fallback handler a known one (L4: an "always valid" contract is not a Safe).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_hash.auto import keccak

from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.proofs.checks import Proven
from wallet_app.proofs.errors import NotProvable
from wallet_app.proofs.slots import mapping_slot

SINGLETON_SLOT = 0
OWNERS_SLOT = 2
OWNER_COUNT_SLOT = 3
THRESHOLD_SLOT = 4
FALLBACK_HANDLER_SLOT = int.from_bytes(keccak(b"fallback_manager.handler.address"), "big")
SENTINEL = 1
MAX_OWNERS = 256


def owner_slot(owner: int) -> int:
    return mapping_slot(OWNERS_SLOT, owner)


def vault_slots(chain: ChainClient, vault: str, block: int) -> set[int]:
    """The slots that prove `vault`'s owners and threshold at `block`: the owners list is read there to know them."""
    slots = {SINGLETON_SLOT, OWNER_COUNT_SLOT, THRESHOLD_SLOT, FALLBACK_HANDLER_SLOT, owner_slot(SENTINEL)}
    current = SENTINEL
    for _ in range(MAX_OWNERS + 1):
        following = int.from_bytes(chain.fetch_storage_at(vault, owner_slot(current), block), "big")
        if following == SENTINEL:
            return slots
        if following == 0 or following >> 160:
            raise NotProvable(f"{vault} has no Safe owners list at block {block}: it is not a Safe vault")
        slots.add(owner_slot(following))
        current = following
    raise NotProvable(f"{vault} lists more than {MAX_OWNERS} owners at block {block}")


@dataclass(frozen=True, slots=True)
class ProvenVault:
    owners: tuple[str, ...]
    threshold: int
    singleton: str
    fallback_handler: str
    code_hash: bytes


def proven_vault(proven: Proven, vault: str) -> ProvenVault:
    """The vault's owners, threshold, singleton and handler from its proven storage; ValueError names what is missing
    or inconsistent."""
    storage = proven.storage

    def value(slot: int, what: str) -> int:
        if slot not in storage:
            raise ValueError(f"the bundle has no valid proof of the vault's {what} (slot 0x{slot:064x})")
        return storage[slot]

    count, threshold = value(OWNER_COUNT_SLOT, "owner count"), value(THRESHOLD_SLOT, "threshold")
    owners: list[str] = []
    current = SENTINEL
    while True:
        following = value(owner_slot(current), f"owners list after {_address(current)}")
        if following == SENTINEL:
            break
        if following == 0 or following >> 160 or len(owners) >= MAX_OWNERS:
            raise ValueError(f"the vault's proven owners list is broken after {_address(current)}")
        owners.append(_address(following))
        current = following
    if len(owners) != count:
        raise ValueError(f"the proven owners list has {len(owners)} owners, the proven owner count is {count}")
    if not 1 <= threshold <= count:
        raise ValueError(f"the proven threshold {threshold} is not between 1 and the {count} owners")
    singleton, handler = value(SINGLETON_SLOT, "singleton"), value(FALLBACK_HANDLER_SLOT, "fallback handler")
    return ProvenVault(tuple(owners), threshold, _address(singleton & (2**160 - 1)), _address(handler),
                       proven.account.code_hash)


def known_safe_problem(vault: ProvenVault) -> str:
    """Why the proven contract is not a Safe Custos knows to check messages as Safe does; "" when it is."""
    from wallet_app.safe.messages import supports_messages
    from wallet_app.vaults.known_deployments import known_fallback_handlers, known_proxy_code_hashes, known_singletons

    if vault.code_hash not in known_proxy_code_hashes():
        return f"its code (hash 0x{vault.code_hash.hex()}) is not a known Safe proxy"
    singleton = known_singletons().get(vault.singleton)
    if singleton is None:
        return f"its singleton {vault.singleton} is not a known Safe release"
    if not supports_messages(singleton.version):
        return f"its singleton is Safe {singleton.version}, which cannot vouch for messages"
    if vault.fallback_handler not in known_fallback_handlers():
        return f"its fallback handler {vault.fallback_handler} is not a known Safe handler (EIP-1271 answers differ)"
    return ""


def singleton_version(vault: ProvenVault) -> str:
    from wallet_app.vaults.known_deployments import known_singletons

    return known_singletons()[vault.singleton].version


def _address(value: int) -> str:
    return to_checksum("0x" + value.to_bytes(20, "big").hex())
