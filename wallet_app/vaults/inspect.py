"""Everything about one Safe that decides whether Custos may sign for it (SECURITY F4, SC-9, SC-10).

`read_safe_facts` reads, all at one block: in one Multicall3 round trip the chain id, VERSION, getOwners,
getThreshold, nonce, getModulesPaginated (getModules on 1.0.0), the Safe's own getChainId and getStorageAt of the
guard and fallback-handler slots, and the balance; then with plain RPCs the proxy's runtime code, slot 0 (the
singleton) and the singleton's code. Slot 0 is always read with eth_getStorageAt, never asked of the Safe: after a
takeover the contract answering the Safe's functions is the attacker's. On Safes older than 1.3.0 (no getStorageAt)
the guard and handler slots are read with eth_getStorageAt too.

`check_safe` is pure: it compares the facts with the known deployments (`known_deployments`). An unknown proxy code,
a singleton address outside the known set, or a known address whose code differs blocks signing for the vault.
A guard, modules, an unknown fallback handler, an old version (≤ 1.2.0: no chain id in the EIP-712 domain, no guard)
or a singleton whose code cannot be compared offline are findings that are shown, not blocking.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode
from eth_hash.auto import keccak

from wallet_app.chain.client import Call, CallResult, ChainClient
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.domain.vaults import CHECK_OK, CHECK_UNKNOWN_SINGLETON, CHECK_WARNING, VaultCheck, VaultInfo
from wallet_app.errors import CallReverted, ChainIdMismatch, RpcError, WalletError
from wallet_app.vaults.known_deployments import known_fallback_handlers, known_proxy_code_hashes, known_singletons
from wallet_app.vaults.reader import NotASafe

SENTINEL = "0x0000000000000000000000000000000000000001"
ZERO = "0x0000000000000000000000000000000000000000"
MODULES_PAGE = 100
SINGLETON_SLOT = 0
GUARD_SLOT = int.from_bytes(keccak(b"guard_manager.guard.address"), "big")
FALLBACK_HANDLER_SLOT = int.from_bytes(keccak(b"fallback_manager.handler.address"), "big")
EMPTY_CODE_HASH = keccak(b"")
MAX_VERSION_CHARS = 40
BLOCKED = "signing is blocked for this vault"


class VaultSigningBlocked(WalletError):
    """F4: the vault's contracts are not a known Safe deployment; no key of this profile signs for it."""

    code = "vault_signing_blocked"


@dataclass(frozen=True, slots=True)
class SafeFacts:
    address: str
    chain_id: int
    block_number: int
    proxy_code: bytes
    singleton_word: bytes  # slot 0 as stored, 32 bytes
    singleton_code_hash: bytes  # keccak of the code at the singleton (of b"" when there is none)
    version: str | None  # None: VERSION() did not answer as a Safe does
    owners: tuple[str, ...] | None
    threshold: int | None
    nonce: int | None
    balance: int
    modules: tuple[str, ...] | None
    more_modules: bool  # more than one page of modules
    guard: str  # ZERO when none
    fallback_handler: str  # ZERO when none
    safe_chain_id: int | None  # the Safe's own getChainId() (1.3.0 and 1.4.1)
    safe_slot0: bytes | None  # slot 0 as the Safe's getStorageAt answered it (1.3.0 and later)

    @property
    def singleton(self) -> str:
        return from_bytes(self.singleton_word[12:])

    @property
    def answers_as_safe(self) -> bool:
        return self.version is not None and self.owners is not None and self.threshold is not None

    @property
    def proxy_release(self) -> str | None:
        return known_proxy_code_hashes().get(keccak(self.proxy_code))

    def to_info(self, label: str, check: VaultCheck | None) -> VaultInfo:
        return VaultInfo(address=self.address, label=label, version=self.version or "", owners=self.owners or (),
                         threshold=self.threshold or 0, nonce=self.nonce or 0, balance=self.balance,
                         block_number=self.block_number, check=check)


def build_fact_calls(address: str) -> list[Call]:
    return [
        Call(MULTICALL3_ADDRESS, build_call("getChainId()")),
        Call(address, build_call("VERSION()")),
        Call(address, build_call("getOwners()")),
        Call(address, build_call("getThreshold()")),
        Call(address, build_call("nonce()")),
        Call(address, build_call("getModulesPaginated(address,uint256)", SENTINEL, MODULES_PAGE)),
        Call(address, build_call("getModules()")),
        Call(address, build_call("getChainId()")),
        Call(address, build_call("getStorageAt(uint256,uint256)", SINGLETON_SLOT, 1)),
        Call(address, build_call("getStorageAt(uint256,uint256)", GUARD_SLOT, 1)),
        Call(address, build_call("getStorageAt(uint256,uint256)", FALLBACK_HANDLER_SLOT, 1)),
        Call(MULTICALL3_ADDRESS, build_call("getEthBalance(address)", address)),
    ]


def read_safe_facts(client: ChainClient, address: str, expected_chain_id: int) -> SafeFacts:
    """The facts of the contract at `address` at the latest block. NotASafe when there is no contract there;
    ChainIdMismatch when the node is on another chain than the profile."""
    safe = to_checksum(address)
    block = client.fetch_block_number()
    calls = build_fact_calls(safe)
    try:
        results = client.multicall(calls, block=block)
        chain_id = _decoded(results[0], "uint256")
    except (RpcError, CallReverted):
        # One call can burn all the gas of the batch (a non-Safe, or an attacker's singleton looping): read the
        # code and storage anyway, as a contract that answered nothing.
        results = [CallResult(False, b"")] * len(calls)
        chain_id = client.fetch_chain_id()
    if chain_id != expected_chain_id:
        raise ChainIdMismatch(f"The node answered for chain {chain_id}, but this profile is pinned to chain "
                              f"{expected_chain_id}")
    proxy_code = client.fetch_code(safe, block)
    if not proxy_code:
        raise NotASafe(f"There is no contract at {safe} on chain {expected_chain_id}: the address is mistyped, or "
                       "the Safe is on another chain")
    (_c, version_r, owners_r, threshold_r, nonce_r, paginated_r, modules_r, safe_chain_r, slot0_r, guard_r,
     handler_r, balance_r) = results
    singleton_word = _word(client.fetch_storage_at(safe, SINGLETON_SLOT, block))
    guard_word = _storage_word(guard_r) or _word(client.fetch_storage_at(safe, GUARD_SLOT, block))
    handler_word = _storage_word(handler_r) or _word(client.fetch_storage_at(safe, FALLBACK_HANDLER_SLOT, block))
    singleton = from_bytes(singleton_word[12:])
    singleton_code = client.fetch_code(singleton, block) if singleton != ZERO else b""
    modules, more = _modules(paginated_r, modules_r)
    version = _decoded(version_r, "string")
    owners = _decoded(owners_r, "address[]")
    threshold, nonce = _decoded(threshold_r, "uint256"), _decoded(nonce_r, "uint256")
    safe_chain_id, balance = _decoded(safe_chain_r, "uint256"), _decoded(balance_r, "uint256")
    return SafeFacts(
        address=safe, chain_id=expected_chain_id, block_number=block, proxy_code=proxy_code,
        singleton_word=singleton_word, singleton_code_hash=keccak(singleton_code),
        version=version[:MAX_VERSION_CHARS] if isinstance(version, str) else None,
        owners=tuple(to_checksum(str(o)) for o in owners) if isinstance(owners, tuple) else None,
        threshold=threshold if isinstance(threshold, int) else None,
        nonce=nonce if isinstance(nonce, int) else None,
        balance=balance if isinstance(balance, int) else 0,
        modules=modules, more_modules=more,
        guard=from_bytes(guard_word[12:]), fallback_handler=from_bytes(handler_word[12:]),
        safe_chain_id=safe_chain_id if isinstance(safe_chain_id, int) else None,
        safe_slot0=_storage_word(slot0_r),
    )


def check_safe(facts: SafeFacts) -> VaultCheck:
    """The F4 / SC-10 verdict on the facts (pure)."""
    blocking: list[str] = []
    findings: list[str] = []
    known = known_singletons()
    singleton = facts.singleton
    entry = known.get(singleton)
    if facts.proxy_release is None:
        blocking.append(f"The code at {facts.address} is not a known Safe proxy: {BLOCKED}.")
    if facts.singleton_word[:12] != bytes(12):
        blocking.append(f"Slot 0 of the vault holds 0x{facts.singleton_word.hex()}, which is not an address: "
                        f"{BLOCKED}.")
    elif entry is None:
        blocking.append(f"The vault's singleton (slot 0) is {singleton}, which is not a known Safe singleton: "
                        f"{BLOCKED}. This is what a Bybit-style takeover looks like afterwards; treat it as an "
                        "incident.")
    elif facts.singleton_code_hash == EMPTY_CODE_HASH:
        blocking.append(f"There is no code at the vault's singleton {singleton}: {BLOCKED}.")
    elif entry.code_hash is not None and entry.code_hash != facts.singleton_code_hash:
        blocking.append(f"The code at the singleton {singleton} differs from the known Safe {entry.version} code "
                        f"(code hash 0x{facts.singleton_code_hash.hex()}): {BLOCKED}.")
    elif facts.version is not None and _base_version(facts.version) != entry.version:
        blocking.append(f"The vault says it is Safe {facts.version}, but its singleton {singleton} is Safe "
                        f"{entry.version}: {BLOCKED}.")
    elif entry.code_hash is None:
        findings.append(f"The singleton {singleton} is at the canonical Safe {entry.version} address, but Custos has "
                        "no copy of its code to compare the code hash with (safe-eth-py ships none for this build).")
    if entry is not None and not facts.answers_as_safe and not blocking:
        blocking.append(f"The vault does not answer VERSION, getOwners and getThreshold as a Safe does: {BLOCKED}.")
    if facts.safe_slot0 is not None and facts.safe_slot0 != facts.singleton_word:
        blocking.append(f"The vault's own getStorageAt(0) disagrees with the node's storage for slot 0: {BLOCKED}.")
    if facts.safe_chain_id is not None and facts.safe_chain_id != facts.chain_id:
        blocking.append(f"The vault says it is on chain {facts.safe_chain_id}, not {facts.chain_id}: {BLOCKED}.")
    if facts.guard != ZERO:
        findings.append(f"A transaction guard is set: {facts.guard}. It checks every transaction of the vault.")
    if facts.modules:
        more = " (and more)" if facts.more_modules else ""
        findings.append(f"{len(facts.modules)} module(s) enabled{more}: {', '.join(facts.modules)}. A module can "
                        "move the vault's assets without the owners' signatures.")
    if facts.fallback_handler != ZERO and facts.fallback_handler not in known_fallback_handlers():
        findings.append(f"The fallback handler {facts.fallback_handler} is not a known Safe handler.")
    version = entry.version if entry is not None else facts.version
    if version is not None and _is_legacy(version):
        findings.append(f"Safe {version} (1.2.0 or older) signs without a chain id in its EIP-712 domain, so a "
                        "signature for it can be replayed on every chain where this address holds the same Safe, "
                        "and it cannot have a transaction guard (SC-10). Migrate it to Safe 1.4.1 and add a guard.")
    return _verdict(facts, entry.version if entry else "", entry.l2 if entry else None, blocking, findings)


def _verdict(facts: SafeFacts, version: str, l2: bool | None, blocking: list[str],
             findings: list[str]) -> VaultCheck:
    if blocking:
        status, message = CHECK_UNKNOWN_SINGLETON, blocking[0]  # each blocking finding says BLOCKED
    else:
        build = "L2" if l2 else "plain"
        message = f"Known Safe {version} ({build}) singleton and Safe {facts.proxy_release} proxy"
        status = CHECK_WARNING if findings else CHECK_OK
        message += "; see the warnings" if findings else ""
    return VaultCheck(
        status=status, blocking=bool(blocking), message=message, findings=tuple(blocking[1:] + findings),
        singleton=facts.singleton, singleton_version="" if blocking else version, l2=None if blocking else l2,
        guard="" if facts.guard == ZERO else facts.guard,
        fallback_handler="" if facts.fallback_handler == ZERO else facts.fallback_handler,
        modules=facts.modules or (), block_number=facts.block_number,
    )


def inspect_safe(client: ChainClient, address: str, expected_chain_id: int) -> tuple[SafeFacts, VaultCheck]:
    facts = read_safe_facts(client, address, expected_chain_id)
    return facts, check_safe(facts)


def require_signable(check: VaultCheck | None, address: str) -> None:
    """For signing code (SC-9): raise VaultSigningBlocked unless a fresh check allows signing for the vault."""
    if check is None:
        raise VaultSigningBlocked(f"{address} has not been checked against the known Safe deployments; "
                                  "read it again before signing")
    if check.blocking:
        raise VaultSigningBlocked(f"{address}: {check.message}")


def _is_legacy(version: str) -> bool:
    parts = _base_version(version).split(".")
    try:
        numbers = tuple(int(p) for p in parts)
    except ValueError:
        return False
    return numbers <= (1, 2, 0)


def _base_version(version: str) -> str:
    return version.split("+", 1)[0].strip()


def _decoded(result: CallResult, abi_type: str) -> object:
    if not result.success or not result.data:
        return None
    try:
        (value,) = decode([abi_type], result.data)
    except Exception:  # eth_abi raises several unrelated types for bad input
        return None
    return value


def _storage_word(result: CallResult) -> bytes | None:
    """The 32 bytes a Safe's getStorageAt(slot, 1) returned, or None if it did not answer so."""
    value = _decoded(result, "bytes")
    return value if isinstance(value, bytes) and len(value) == 32 else None


def _word(raw: bytes) -> bytes:
    return raw.rjust(32, b"\0")[-32:]


def _modules(paginated: CallResult, plain: CallResult) -> tuple[tuple[str, ...] | None, bool]:
    if paginated.success and paginated.data:
        try:
            array, following = decode(["address[]", "address"], paginated.data)
        except Exception:  # eth_abi raises several unrelated types for bad input
            array = None
        if array is not None:
            more = to_checksum(str(following)) not in (SENTINEL, ZERO)
            return tuple(to_checksum(str(m)) for m in array), more
    modules = _decoded(plain, "address[]")
    if isinstance(modules, tuple):
        return tuple(to_checksum(str(m)) for m in modules), False
    return None, False
