"""F4 / SC-9 / SC-10: the verdict on a Safe's contracts, from a fake chain (no node)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from eth_abi.abi import encode
from eth_hash.auto import keccak

from wallet_app.chain.client import Call, CallResult
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultCheck, VaultInfo
from wallet_app.errors import ChainIdMismatch
from wallet_app.vaults.inspect import (
    FALLBACK_HANDLER_SLOT,
    GUARD_SLOT,
    SENTINEL,
    VaultSigningBlocked,
    check_safe,
    inspect_safe,
    require_signable,
)
from wallet_app.vaults.known_deployments import (
    DEPLOY_FALLBACK_HANDLER,
    DEPLOY_SINGLETON_L2,
    load_safe_artifact,
)
from wallet_app.vaults.reader import NotASafe

CHAIN = 177
SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
ATTACKER = "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"
OWNERS = ("0x0000000000000000000000000000000000000A11", "0x0000000000000000000000000000000000000B0B",
          "0x0000000000000000000000000000000000000C0C")
SINGLETON_1_1_1 = "0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F"


def word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


@dataclass
class FakeSafeChain:
    """A node holding one Safe proxy; the functions answer as Safe 1.4.1 unless `answers` is emptied."""

    chain_id: int = CHAIN
    version: str = "1.4.1"
    proxy_code: bytes = field(default_factory=lambda: load_safe_artifact("Proxy_V1_4_1").runtime_code)
    singleton: str = DEPLOY_SINGLETON_L2
    code: dict[str, bytes] = field(default_factory=dict)
    guard: str = "0x0000000000000000000000000000000000000000"
    handler: str = DEPLOY_FALLBACK_HANDLER
    modules: tuple[str, ...] = ()
    answers: bool = True  # the singleton answers the Safe's functions
    storage_accessible: bool = True  # getStorageAt (1.3.0 and later)
    safe_says_slot0: str | None = None  # a lying getStorageAt(0)

    def __post_init__(self) -> None:
        self.code.setdefault(DEPLOY_SINGLETON_L2, load_safe_artifact("Safe_V1_4_1").runtime_code)
        self.code.setdefault(SINGLETON_1_1_1, load_safe_artifact("GnosisSafe_V1_1_1").runtime_code)
        self.code.setdefault(ATTACKER, bytes.fromhex("6080604052348015600f57600080fd5b50"))
        self.code[SAFE] = self.proxy_code

    def fetch_block_number(self) -> int:
        return 1000

    def fetch_chain_id(self) -> int:
        return self.chain_id

    def fetch_code(self, address: str, block: object = "latest") -> bytes:
        return self.code.get(to_checksum(address), b"")

    def fetch_storage_at(self, address: str, slot: int, block: object = "latest") -> bytes:
        assert to_checksum(address) == SAFE
        return {0: word(self.singleton), GUARD_SLOT: word(self.guard),
                FALLBACK_HANDLER_SLOT: word(self.handler)}.get(slot, bytes(32))

    def multicall(self, calls: list[Call], *, block: object = "latest") -> list[CallResult]:
        return [self._answer(call) for call in calls]

    def _answer(self, call: Call) -> CallResult:
        sel = call.data[:4]
        if call.target == MULTICALL3_ADDRESS:
            if sel == selector("getChainId()"):
                return CallResult(True, encode(["uint256"], [self.chain_id]))
            return CallResult(True, encode(["uint256"], [0]))
        if not self.answers:
            return CallResult(False, b"")
        slot_reads = {0: word(self.safe_says_slot0 or self.singleton), GUARD_SLOT: word(self.guard),
                      FALLBACK_HANDLER_SLOT: word(self.handler)}
        table = {
            selector("VERSION()"): encode(["string"], [self.version]),
            selector("getOwners()"): encode(["address[]"], [list(OWNERS)]),
            selector("getThreshold()"): encode(["uint256"], [2]),
            selector("nonce()"): encode(["uint256"], [7]),
            selector("getModulesPaginated(address,uint256)"): encode(["address[]", "address"],
                                                                     [list(self.modules), SENTINEL]),
            selector("getChainId()"): encode(["uint256"], [self.chain_id]),
        }
        if sel == selector("getStorageAt(uint256,uint256)"):
            if not self.storage_accessible:
                return CallResult(False, b"")
            slot = int.from_bytes(call.data[4:36], "big")
            return CallResult(True, encode(["bytes"], [slot_reads.get(slot, bytes(32))]))
        if sel in table:
            return CallResult(True, table[sel])
        return CallResult(False, b"")


def inspect(chain: FakeSafeChain) -> VaultCheck:
    return inspect_safe(chain, SAFE, CHAIN)[1]  # type: ignore[arg-type]


def test_F4_known_singleton_and_proxy_pass() -> None:
    check = inspect(FakeSafeChain())
    assert check.status == "ok" and not check.blocking
    assert check.singleton == DEPLOY_SINGLETON_L2 and check.singleton_version == "1.4.1" and check.l2 is True
    assert check.fallback_handler == DEPLOY_FALLBACK_HANDLER and check.guard == "" and check.modules == ()
    require_signable(check, SAFE)


def test_F4_bybit_style_takeover_slot0_points_at_an_attacker_contract_blocks_signing() -> None:
    """After the February 2025 DELEGATECALL, slot 0 held the attacker's contract and the Safe's functions went to it."""
    check = inspect(FakeSafeChain(singleton=ATTACKER, answers=False))
    assert check.status == "unknown_singleton" and check.blocking
    assert "signing is blocked for this vault" in check.message
    assert ATTACKER in check.message and "Bybit" in check.message
    with pytest.raises(VaultSigningBlocked):
        require_signable(check, SAFE)


def test_F4_attacker_singleton_that_still_answers_as_a_safe_is_blocked() -> None:
    check = inspect(FakeSafeChain(singleton=ATTACKER))
    assert check.blocking and ATTACKER in check.message


def test_F4_wrong_code_hash_at_the_known_singleton_address_blocks() -> None:
    chain = FakeSafeChain()
    chain.code[DEPLOY_SINGLETON_L2] = load_safe_artifact("Safe_V1_5_0").runtime_code  # other code, known address
    check = inspect(chain)
    assert check.blocking and "differs from the known Safe 1.4.1 code" in check.message
    assert "0x" + keccak(chain.code[DEPLOY_SINGLETON_L2]).hex() in check.message


def test_F4_no_code_at_the_singleton_blocks() -> None:
    chain = FakeSafeChain()
    del chain.code[DEPLOY_SINGLETON_L2]
    assert inspect(chain).blocking


def test_F4_proxy_code_not_a_known_safe_proxy_blocks() -> None:
    check = inspect(FakeSafeChain(proxy_code=bytes.fromhex("363d3d373d3d3d363d73") + bytes(30)))
    assert check.blocking and "not a known Safe proxy" in check.message


def test_F4_safe_lying_about_its_slot0_is_blocked() -> None:
    check = inspect(FakeSafeChain(safe_says_slot0=SINGLETON_1_1_1))
    assert check.blocking and "getStorageAt(0)" in " ".join((check.message, *check.findings))


def test_guard_and_modules_are_shown_not_blocking() -> None:
    guard, module = "0x00000000000000000000000000000000000047a2", "0x000000000000000000000000000000000000D00d"
    check = inspect(FakeSafeChain(guard=guard, modules=(module,)))
    assert check.status == "warning" and not check.blocking
    assert check.guard == guard and check.modules == (module,)
    text = " ".join(check.findings)
    assert "transaction guard is set" in text and "1 module(s) enabled" in text and module in text


def test_unknown_fallback_handler_is_a_finding() -> None:
    check = inspect(FakeSafeChain(handler="0x000000000000000000000000000000000000BEEF"))
    assert check.status == "warning" and not check.blocking and "not a known Safe handler" in check.findings[0]


def test_SC10_version_1_1_1_warns_replayable_signatures_and_no_guard() -> None:
    chain = FakeSafeChain(version="1.1.1", singleton=SINGLETON_1_1_1, storage_accessible=False,
                          proxy_code=load_safe_artifact("Proxy_V1_1_1").runtime_code, handler="0x" + "00" * 20)
    check = inspect(chain)
    assert not check.blocking and check.status == "warning" and check.singleton_version == "1.1.1"
    text = " ".join(check.findings)
    assert "replayed on every chain" in text and "cannot have a transaction guard" in text and "SC-10" in text


def test_version_claim_that_disagrees_with_the_singleton_blocks() -> None:
    assert inspect(FakeSafeChain(version="1.3.0")).blocking


def test_non_l2_canonical_singleton_is_known_but_its_code_cannot_be_compared() -> None:
    plain = "0x41675C099F32341bf84BFc5382aF534df5C7461a"
    chain = FakeSafeChain(singleton=plain)
    chain.code[plain] = b"\x60\x80"  # whatever it is: Custos has no copy of the plain 1.4.1 build
    check = inspect(chain)
    assert not check.blocking and check.l2 is False
    assert "no copy of its code" in check.findings[0]


def test_no_contract_at_the_address_is_not_a_safe() -> None:
    chain = FakeSafeChain()
    del chain.code[SAFE]
    with pytest.raises(NotASafe, match="no contract"):
        inspect_safe(chain, SAFE, CHAIN)  # type: ignore[arg-type]


def test_node_on_another_chain_is_refused() -> None:
    with pytest.raises(ChainIdMismatch):
        inspect_safe(FakeSafeChain(chain_id=1), SAFE, CHAIN)  # type: ignore[arg-type]


def test_check_survives_the_snapshot_json_and_old_snapshots_still_load() -> None:
    facts, check = inspect_safe(FakeSafeChain(singleton=ATTACKER, answers=False), SAFE, CHAIN)  # type: ignore[arg-type]
    info = facts.to_info("Cold wallet", check)
    again = VaultInfo.from_json(info.to_json())
    assert again == info and again.signing_blocked
    old = info.to_json()
    del old["check"]
    assert VaultInfo.from_json(old).check is None
    tampered = dict(info.to_json(), check=dict(check.to_json(), blocking=False))
    with pytest.raises(ValueError):
        VaultInfo.from_json(tampered)  # a blocked verdict cannot be turned into an allowed one by one flag


def test_check_is_pure() -> None:
    facts, check = inspect_safe(FakeSafeChain(), SAFE, CHAIN)  # type: ignore[arg-type]
    assert check_safe(facts) == check
