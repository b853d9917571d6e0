"""The signatures a bundle carries: a vault's quorum vouching for a holding statement (kind "safe-message").

Each entry names the vault, carries the EIP-712 typed data its owners signed (over the Safe message hash of its
digest) and their signatures. It counts only when all of this holds:

- the typed data is the one built from this bundle's statement, block and chain, for this vault (L3), and is not
  past its `validUntil`;
- the bundle proves the vault at the statement's block: a known Safe proxy, singleton and fallback handler (L4), with
  its owners list, owner count and threshold;
- offline: at least `threshold` distinct proven owners signed the Safe message hash (ECDSA or eth_sign);
- online, on every endpoint given: the vault's own `isValidSignature(digest, signatures)` at the statement's block
  hash answers exactly 0x1626ba7e (a revert or any other answer fails).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from wallet_app.chain.client import ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import CallReverted, WalletError
from wallet_app.proofs.bundle import Bundle
from wallet_app.proofs.checks import Checks, Proven
from wallet_app.proofs.errors import UnusableInput
from wallet_app.proofs.statement_typed_data import statement_digest, statement_typed_data, typed_data_differences
from wallet_app.proofs.vault_storage import known_safe_problem, proven_vault, singleton_version
from wallet_app.safe.messages import EIP1271_MAGIC, safe_message_hashes
from wallet_app.safe.signatures import CoSignature, verify_signatures

SAFE_MESSAGE = "safe-message"


def check_signatures(bundle: Bundle, proven: dict[str, Proven], checks: Checks, *,
                     endpoints: Sequence[ChainClient] = (), now: int | None = None) -> None:
    moment = int(time.time()) if now is None else now
    for index, entry in enumerate(bundle.signatures):
        name = f"signature {index + 1}"
        if not isinstance(entry, Mapping) or entry.get("kind") != SAFE_MESSAGE:
            kind = str(entry.get("kind", ""))[:40] if isinstance(entry, Mapping) else "?"
            checks.add(name, False, f"signature kind {kind!r} is not one this version of Custos can check: "
                                    "not relied on")
            continue
        try:
            _check_safe_message(bundle, entry, proven, checks, name, endpoints, moment)
        except (UnusableInput, ValueError) as exc:
            reason = exc.user_message if isinstance(exc, UnusableInput) else str(exc)
            checks.add(name, False, f"{reason[:300]}: the vault's signature is not relied on")


def _check_safe_message(bundle: Bundle, entry: Mapping[str, Any], proven: dict[str, Proven], checks: Checks,
                        name: str, endpoints: Sequence[ChainClient], now: int) -> None:
    vault_address = to_checksum(str(entry.get("vault", "")))
    given = entry.get("typed_data")
    message = given.get("message") if isinstance(given, Mapping) else None
    valid_until = _uint(message.get("validUntil") if isinstance(message, Mapping) else None, "validUntil")
    expected = statement_typed_data(bundle.raw, vault_address, valid_until)
    differences = typed_data_differences(given, expected)
    if differences:
        checks.add(name, False, "the typed data signed is not this statement's for this chain and vault: "
                                + "; ".join(differences)[:500])
        return
    if valid_until < now:
        checks.add(name, False, f"the signed statement expired at {_utc(valid_until)} (validUntil); it is no "
                                "longer vouched for")
        return
    digest = statement_digest(expected)
    if _hex32(entry.get("digest"), "digest") != digest:
        checks.add(name, False, f"the digest written beside the typed data is not its EIP-712 digest 0x{digest.hex()}")
        return
    submitted = _submitted(entry)
    for client in endpoints:  # asked even when the offline checks fail: the reader sees what the vault answers
        _check_on_chain(client, vault_address, digest, submitted, bundle, checks, name)
    _check_offline(bundle, entry, proven, checks, name, vault_address, digest, submitted, valid_until)


def _check_offline(bundle: Bundle, entry: Mapping[str, Any], proven: dict[str, Proven], checks: Checks, name: str,
                   vault_address: str, digest: bytes, submitted: list[CoSignature], valid_until: int) -> None:
    holder = proven.get(vault_address)
    if holder is None:
        checks.add(name, False, f"the bundle has no valid proof of the vault {vault_address} at its block, so its "
                                "owners and threshold are not known")
        return
    try:
        vault = proven_vault(holder, vault_address)
    except ValueError as exc:
        checks.add(name, False, f"{vault_address} is not a Safe that can vouch: {exc}")
        return
    problem = known_safe_problem(vault)
    if problem:
        checks.add(name, False, f"{vault_address} is not a Safe that can vouch: {problem}")
        return
    version = singleton_version(vault)
    hashes = safe_message_hashes(vault_address, bundle.chain_id, version, digest)
    if _hex32(entry.get("safe_message_hash"), "safe_message_hash") != hashes.safe_tx_hash:
        checks.add(name, False, "the Safe message hash written is not the one of this digest, vault and chain "
                                f"(0x{hashes.safe_tx_hash.hex()})")
        return
    results = verify_signatures(hashes, submitted, vault.owners, None, vault_address, bundle.block_number,
                                version=version)
    counted = [c for c in results if c.valid and c.signer is not None]
    refused = [f"{c.signer or '?'}: {c.reason}" for c in results if not c.valid]
    if len(counted) < vault.threshold:
        checks.add(name, False, f"{len(counted)} valid owner signature(s) of the vault's threshold {vault.threshold} "
                                f"at block {bundle.block_number}" + (f" ({'; '.join(refused)[:400]})" if refused
                                                                     else ""))
        return
    signers = ", ".join(str(c.signer) for c in counted)
    checks.add(name, True, f"{len(counted)} of the {len(vault.owners)} owners of {vault_address} at block "
                           f"{bundle.block_number} signed (threshold {vault.threshold}): {signers}; valid until "
                           f"{_utc(valid_until)}")


def _check_on_chain(client: ChainClient, vault: str, digest: bytes, submitted: list[CoSignature], bundle: Bundle,
                    checks: Checks, name: str) -> None:
    """The vault's own EIP-1271 answer at the statement's block, given the signatures as the bundle orders them."""
    where = f"{name} on {client.endpoint} (EIP-1271)"
    blob = b"".join(bytes.fromhex(str(s.signature).removeprefix("0x")) for s in submitted)
    call = build_call("isValidSignature(bytes32,bytes)", digest, blob)
    try:
        answer = client.call(vault, call, block=bundle.block_hash)
    except CallReverted as exc:
        checks.add(where, False, f"the vault's isValidSignature reverted at block 0x{bundle.block_hash.hex()}: "
                                 f"{exc.user_message[:200]}")
        return
    except WalletError as exc:
        raise UnusableInput(f"could not ask {client.endpoint}: {exc.user_message}; nothing was decided") from None
    if answer != EIP1271_MAGIC + bytes(28):
        said = "nothing" if not answer else "0x" + answer[:32].hex()
        checks.add(where, False, f"the vault's isValidSignature answered {said}, not 0x{EIP1271_MAGIC.hex()}")
        return
    checks.add(where, True, f"the vault answers 0x{EIP1271_MAGIC.hex()} at block 0x{bundle.block_hash.hex()}")


def _submitted(entry: Mapping[str, Any]) -> list[CoSignature]:
    raw = entry.get("signatures")
    if not isinstance(raw, list) or not raw:
        raise UnusableInput("the vault's signature entry has no owner signatures")
    out = []
    for item in raw[:MAX_SIGNATURES]:
        if not isinstance(item, Mapping):
            raise UnusableInput("an owner signature is not an object with owner and signature")
        signature = str(item.get("signature", ""))[:20000]
        try:
            bytes.fromhex(signature.removeprefix("0x"))
        except ValueError:
            raise UnusableInput("an owner signature is not hex") from None
        out.append(CoSignature(signature, claimed_signer=to_checksum(str(item.get("owner", "")))))
    return out


MAX_SIGNATURES = 256


def _uint(value: object, what: str) -> int:
    if not isinstance(value, str) or not value.isdigit() or len(value) > 78:
        raise UnusableInput(f"the typed data's {what} is not a whole number")
    return int(value)


def _hex32(value: object, what: str) -> bytes:
    text = str(value or "")
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise UnusableInput(f"the signature entry's {what} is not hex") from None
    if len(raw) != 32 or not text.startswith("0x"):
        raise UnusableInput(f"the signature entry's {what} is not 0x and 64 hex digits")
    return raw


def _utc(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(min(seconds, 253402300799)))
