"""The SafeTxProbe contract (resources/contracts/SafeTxProbe.sol) from Python: its call data, its answers, its
deployment. Pure except `deploy_probe`.

The probe is DELEGATECALLed by the vault's own `simulateAndRevert(address,bytes)` (StorageAccessible, Safe 1.3.0 and
later), which always reverts with `success (32 bytes) || length of the response (32 bytes) || response`, so the
simulation is an eth_call that leaves nothing behind. The response is the probe's `probe(...)` return value: the inner
action's success, return data and gas, and the vault's governance state before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from eth_abi.abi import decode

from wallet_app.chain.artifacts import load_artifact
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes

PROBE_ARTIFACT = "SafeTxProbe"
MAX_LIST = 256  # the probe cuts the owner and module lists at this length (as in SafeTxProbe.sol)
_STATE = "(bytes32[8],address[],address[])"
_OUTPUT = ["bool", "bytes", "uint256", _STATE, _STATE]


class ProbeOutputError(ValueError):
    """The reply is not what simulateAndRevert and the probe produce."""


@dataclass(frozen=True, slots=True)
class GovernanceState:
    """The vault's governance state as stored: slot 0, the counters, the special slots and the two linked lists."""

    singleton: bytes  # each special slot as its 32 stored bytes
    owner_count: int
    threshold: int
    nonce: int
    guard: bytes
    fallback_handler: bytes
    module_guard: bytes
    implementation_slot: bytes
    owners: tuple[str, ...]
    modules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProbeOutput:
    success: bool
    return_data: bytes
    gas_used: int
    before: GovernanceState
    after: GovernanceState


class ContractDeployer(Protocol):
    """What `deploy_probe` needs; `wallet_app.demo.deployer.Deployer` is one."""

    def deploy(self, bytecode: bytes, abi: list[dict[str, Any]], *args: object) -> str: ...


def probe_runtime_code() -> bytes:
    """The code a probe address must hold for its answers to be trusted."""
    return load_artifact(PROBE_ARTIFACT).deployed_bytecode


def deploy_probe(deployer: ContractDeployer) -> str:
    """Deploy the probe once on a chain (it has no constructor and no owner); returns its address."""
    artifact = load_artifact(PROBE_ARTIFACT)
    return deployer.deploy(artifact.bytecode, artifact.abi)


def build_simulation_call(probe: str, *, to: str, value: int, data: bytes, operation: int) -> bytes:
    """Call data for the vault: simulateAndRevert(probe, probe(to, value, data, operation))."""
    inner = build_call("probe(address,uint256,bytes,uint8)", to, value, data, operation)
    return build_call("simulateAndRevert(address,bytes)", probe, inner)


def decode_simulate_and_revert(revert_data: bytes) -> tuple[bool, bytes]:
    """(whether the DELEGATECALL succeeded, what it returned) from simulateAndRevert's revert data."""
    if len(revert_data) < 64:
        raise ProbeOutputError(f"{len(revert_data)} bytes of revert data; simulateAndRevert gives at least 64")
    flag = int.from_bytes(revert_data[:32], "big")
    length = int.from_bytes(revert_data[32:64], "big")
    if flag not in (0, 1) or length != len(revert_data) - 64:
        raise ProbeOutputError("the revert data is not simulateAndRevert's (success, length, response)")
    return flag == 1, revert_data[64:]


def decode_probe_output(raw: bytes) -> ProbeOutput:
    try:
        success, return_data, gas_used, before, after = decode(_OUTPUT, raw)
    except Exception as exc:  # eth_abi raises several types on short or malformed data
        raise ProbeOutputError(f"the probe's answer does not decode: {type(exc).__name__}") from None
    return ProbeOutput(bool(success), bytes(return_data), int(gas_used), _state(before), _state(after))


def _state(raw: tuple[Any, ...]) -> GovernanceState:
    words, owners, modules = raw
    singleton, owner_count, threshold, nonce, guard, handler, module_guard, implementation = (bytes(w) for w in words)
    return GovernanceState(
        singleton=singleton,
        owner_count=int.from_bytes(owner_count, "big"),
        threshold=int.from_bytes(threshold, "big"),
        nonce=int.from_bytes(nonce, "big"),
        guard=guard,
        fallback_handler=handler,
        module_guard=module_guard,
        implementation_slot=implementation,
        owners=tuple(from_bytes(bytes.fromhex(a[2:])) for a in owners),
        modules=tuple(from_bytes(bytes.fromhex(a[2:])) for a in modules),
    )
