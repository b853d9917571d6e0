"""Simulation of the exact SafeTx against the chain, with a diff of the vault's governance state (SC-4, A5).

How: one eth_call to the vault itself, `simulateAndRevert(probe, probe(to, value, data, operation))`. The vault
(Safe 1.3.0 or later) DELEGATECALLs the SafeTxProbe contract, which runs in the vault's context: it reads the
governance state from the vault's storage, increments the nonce and performs the inner action as `execTransaction`
does (CALL with value, or DELEGATECALL, with all the gas), then reads the state again. The vault then reverts, so
the call changes nothing, and the revert data carries the probe's answer. This needs no state overrides, so it works
on the embedded devnet as on any node, at the real state of the chosen block (the vault's real balances).

The probe must exist on the chain: `simulation_probe.deploy_probe` deploys it once (no owner, no storage, no
constructor); each simulation checks that the address holds exactly the committed runtime code, so a wrong or
malicious contract there makes the simulation unavailable, never a trusted answer. A probe cannot be run without an
address: simulateAndRevert needs code to DELEGATECALL, and a creation eth_call (no `to`) is not in `ChainClient`.

Not seen by the simulation: the vault's transaction guard (`checkTransaction` is not called), signature checks, gas
refunds (the policy checks those fields itself), and writes by a DELEGATECALL to storage the probe does not read (for
example an `owners[x]` entry for an address outside the owner list). The policy denies DELEGATECALL except to pinned
MultiSendCallOnly (SC-2), so this is the second line, not the only one. The answer is only as good as the vault's
own code (its singleton must be a known Safe singleton: F4/SC-9, checked elsewhere) and the node (F-series).
The inner action gets all the gas, as with safeTxGas 0; a non-zero safeTxGas is not applied.

`simulate_safe_tx` returns `SimulationUnavailable` with its reason where no simulation is possible (a Safe before
1.3.0, no probe, a node error); the policy decides what that means for the vault (deny when its policy says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode

from wallet_app.chain.client import BlockRef, ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.domain.safe_tx import version_tuple
from wallet_app.errors import CallReverted, ChainError
from wallet_app.policy.simulation_probe import (
    MAX_LIST,
    GovernanceState,
    ProbeOutputError,
    build_simulation_call,
    decode_probe_output,
    decode_simulate_and_revert,
    probe_runtime_code,
)

FIRST_SIMULATING_VERSION = (1, 3, 0)  # StorageAccessible.simulateAndRevert appeared in Safe 1.3.0
ZERO_WORD = bytes(32)

# The field names in `SimulationResult.changed_fields`.
SINGLETON, OWNERS, OWNER_COUNT, THRESHOLD, NONCE = "singleton", "owners", "owner_count", "threshold", "nonce"
GUARD, FALLBACK_HANDLER, MODULES, MODULE_GUARD = "guard", "fallback_handler", "modules", "module_guard"
IMPLEMENTATION_SLOT = "implementation_slot"


@dataclass(frozen=True, slots=True)
class SimulationResult:
    reverted: bool  # the inner action failed: execTransaction would revert (GS013) or report ExecutionFailure
    reason: str  # why it reverted, in plain words; "" when it did not
    changed: tuple[str, ...]  # each change to the vault's governance state, in plain words
    return_data: bytes  # what the inner action returned (its revert data when it reverted)
    gas_used: int | None  # gas spent on the inner action
    changed_fields: frozenset[str] = frozenset()  # which of the names above changed
    block: BlockRef = "latest"


@dataclass(frozen=True, slots=True)
class SimulationUnavailable:
    """No simulation was possible; `reason` says why in plain words."""

    reason: str


def simulate_safe_tx(
    chain: ChainClient, *, safe: str, to: str, value: int, data: bytes, operation: int, probe: str,
    version: str | None = None, sender: str | None = None, block: BlockRef = "latest",
) -> SimulationResult | SimulationUnavailable:
    """Simulate the inner action of a SafeTx of `safe` at `block`. `probe` is the address of the deployed SafeTxProbe;
    `version` the vault's Safe version if already known (it is read from the vault otherwise); `sender` the executor
    (seen as msg.sender by a DELEGATECALL target)."""
    if operation not in (0, 1):
        raise ValueError(f"operation must be 0 (CALL) or 1 (DELEGATECALL), not {operation}")
    if value < 0:
        raise ValueError("value must not be negative")
    try:
        return _simulate(chain, safe, to, value, data, operation, probe, version, sender, block)
    except ChainError as exc:
        return SimulationUnavailable(f"the node could not run the simulation: {exc.user_message}")


def _simulate(
    chain: ChainClient, safe: str, to: str, value: int, data: bytes, operation: int, probe: str,
    version: str | None, sender: str | None, block: BlockRef,
) -> SimulationResult | SimulationUnavailable:
    if version is None:
        version = _fetch_version(chain, safe, block)
        if version is None:
            return SimulationUnavailable(f"{safe} does not answer VERSION(): it is not a Safe Custos can simulate")
    try:
        too_old = version_tuple(version) < FIRST_SIMULATING_VERSION
    except ValueError:
        return SimulationUnavailable(f"the vault reports an unreadable Safe version {version[:20]!r}")
    if too_old:
        return SimulationUnavailable(
            f"Safe {version[:20]} has no simulateAndRevert (it came with Safe 1.3.0): the transaction cannot be "
            "simulated on this vault")
    if chain.fetch_code(probe, block) != probe_runtime_code():
        return SimulationUnavailable(f"no SafeTxProbe at {probe} (the address holds other code or none)")
    call = build_simulation_call(probe, to=to, value=value, data=data, operation=operation)
    try:
        reply = chain.call(safe, call, block=block, sender=sender)
    except CallReverted as reverted:
        revert_data = reverted.revert_data
    else:
        return SimulationUnavailable(
            f"the vault answered simulateAndRevert without reverting ({len(reply)} bytes): not a Safe's answer")
    try:
        probe_ran, response = decode_simulate_and_revert(revert_data)
        if not probe_ran:
            return SimulationUnavailable(f"the probe failed inside the vault: {decode_revert_reason(response)}")
        output = decode_probe_output(response)
    except ProbeOutputError as exc:
        return SimulationUnavailable(f"the simulation's answer cannot be read: {exc}")
    changes = compute_changes(output.before, output.after)
    return SimulationResult(
        reverted=not output.success,
        reason="" if output.success else decode_revert_reason(output.return_data),
        changed=tuple(text for _, text in changes),
        return_data=output.return_data,
        gas_used=output.gas_used,
        changed_fields=frozenset(name for name, _ in changes),
        block=block,
    )


def _fetch_version(chain: ChainClient, safe: str, block: BlockRef) -> str | None:
    """The Safe's VERSION(), or None if it has no such function; node errors propagate."""
    try:
        raw = chain.call(safe, build_call("VERSION()"), block=block)
    except CallReverted:
        return None
    try:
        (text,) = decode(["string"], raw)
    except Exception:  # eth_abi raises several types on data that is not an ABI string
        return None
    return str(text)


# -- what changed, in plain words -------------------------------------------------------------------------------

def compute_changes(before: GovernanceState, after: GovernanceState) -> tuple[tuple[str, str], ...]:
    """(field name, plain words) for each difference; the nonce is expected to go up by exactly one."""
    out: list[tuple[str, str]] = []
    if after.singleton != before.singleton:
        out.append((SINGLETON, f"singleton (slot 0) changed to {_word(after.singleton)} "
                               f"(was {_word(before.singleton)})"))
    out += _list_change(OWNERS, "owners", "added", "removed", before.owners, after.owners)
    if after.owner_count != before.owner_count:
        out.append((OWNER_COUNT, f"owner count changed from {before.owner_count} to {after.owner_count}"))
    if after.threshold != before.threshold:
        out.append((THRESHOLD, f"threshold changed from {before.threshold} to {after.threshold}"))
    if after.nonce != before.nonce + 1:
        out.append((NONCE, f"nonce changed from {before.nonce} to {after.nonce} "
                           f"(execution alone leaves it at {before.nonce + 1})"))
    out += _slot_change(GUARD, "guard", before.guard, after.guard)
    out += _slot_change(FALLBACK_HANDLER, "fallback handler", before.fallback_handler, after.fallback_handler)
    out += _list_change(MODULES, "modules", "enabled", "disabled", before.modules, after.modules)
    out += _slot_change(MODULE_GUARD, "module guard", before.module_guard, after.module_guard)
    if after.implementation_slot != before.implementation_slot:
        out.append((IMPLEMENTATION_SLOT, f"EIP-1967 implementation slot changed to {_word(after.implementation_slot)} "
                                         f"(was {_word(before.implementation_slot)})"))
    return tuple(out)


def _slot_change(field: str, name: str, before: bytes, after: bytes) -> list[tuple[str, str]]:
    if after == before:
        return []
    if before == ZERO_WORD:
        return [(field, f"{name} set to {_word(after)}")]
    if after == ZERO_WORD:
        return [(field, f"{name} removed (was {_word(before)})")]
    return [(field, f"{name} changed from {_word(before)} to {_word(after)}")]


def _list_change(
    field: str, name: str, added_word: str, removed_word: str, before: tuple[str, ...], after: tuple[str, ...],
) -> list[tuple[str, str]]:
    if MAX_LIST in (len(before), len(after)):
        return [(field, f"{name} list has {MAX_LIST} or more entries: changes beyond them cannot be seen")]
    if after == before:
        return []
    added = [a for a in after if a not in before]
    removed = [a for a in before if a not in after]
    parts = ([f"{added_word} {', '.join(added)}"] if added else []) + (
        [f"{removed_word} {', '.join(removed)}"] if removed else [])
    return [(field, f"{name} changed: {'; '.join(parts) or 'same entries in another order'}")]


def _word(word: bytes) -> str:
    """An address when the word holds one, else the full 32 bytes."""
    if word[:12] == bytes(12):
        return from_bytes(word[12:])
    return "0x" + word.hex()


# -- revert reasons ---------------------------------------------------------------------------------------------

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
_PANICS = {
    0x01: "assertion failed", 0x11: "arithmetic overflow or underflow", 0x12: "division or modulo by zero",
    0x21: "invalid enum value", 0x22: "bad storage byte array", 0x31: "pop on an empty array",
    0x32: "array index out of bounds", 0x41: "too much memory allocated", 0x51: "call to an invalid function",
}
# Custom errors common enough to name (OpenZeppelin 5 token errors), with their argument types.
_KNOWN_ERRORS: dict[bytes, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    bytes.fromhex("e450d38c"): ("ERC20InsufficientBalance", ("sender", "balance", "needed"),
                                ("address", "uint256", "uint256")),
    bytes.fromhex("fb8f41b2"): ("ERC20InsufficientAllowance", ("spender", "allowance", "needed"),
                                ("address", "uint256", "uint256")),
    bytes.fromhex("ec442f05"): ("ERC20InvalidReceiver", ("receiver",), ("address",)),
    bytes.fromhex("96c6fd1e"): ("ERC20InvalidSender", ("sender",), ("address",)),
}
# Safe's own revert codes (Safe 1.3.0 to 1.5.0) that a governance call can hit.
_SAFE_CODES = {
    "GS013": "the Safe transaction failed", "GS031": "method can only be called from the Safe itself",
    "GS101": "invalid module address", "GS102": "module already enabled", "GS103": "invalid prevModule, module pair",
    "GS104": "method can only be called from an enabled module", "GS201": "threshold cannot exceed the owner count",
    "GS202": "threshold must be at least 1", "GS203": "invalid owner address", "GS204": "address is already an owner",
    "GS205": "invalid prevOwner, owner pair", "GS300": "the guard does not implement the guard interface",
    "GS301": "the module guard does not implement the module guard interface",
    "GS400": "the fallback handler cannot be the Safe itself",
}
MAX_REASON = 200


def decode_revert_reason(data: bytes) -> str:
    """Plain words for revert data: Error(string), Panic(uint256), a known custom error, or the selector in hex."""
    if not data:
        return "reverted without a reason"
    if len(data) < 4:
        return f"reverted with 0x{data.hex()} (not a known revert format)"
    selector, args = data[:4], data[4:]
    if selector == _ERROR_STRING:
        try:
            (text,) = decode(["string"], args)
        except Exception:
            return "reverted with a malformed Error(string)"
        shown = _plain(str(text))
        return f"{shown} ({_SAFE_CODES[shown]})" if shown in _SAFE_CODES else shown
    if selector == _PANIC and len(args) == 32:
        code = int.from_bytes(args, "big")
        return f"panic 0x{code:02x}: {_PANICS.get(code, 'unknown panic code')}"
    known = _KNOWN_ERRORS.get(selector)
    if known is not None:
        name, names, types = known
        try:
            values = decode(list(types), args)
        except Exception:
            return f"{name} (0x{selector.hex()}) with malformed arguments"
        shown = ", ".join(f"{n} {_arg(v)}" for n, v in zip(names, values, strict=True))
        return f"{name}({shown}) (0x{selector.hex()})"
    return f"custom error 0x{selector.hex()}" + (f" with {len(args)} bytes of arguments" if args else "")


def _arg(value: object) -> str:
    return to_checksum(value) if isinstance(value, str) else str(value)  # eth_abi gives addresses as str


def _plain(text: str) -> str:
    """Untrusted text from a contract: invisible and control characters made visible, length bounded."""
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    return shown if len(shown) <= MAX_REASON else shown[:MAX_REASON] + "…"

