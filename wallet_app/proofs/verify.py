"""Check a proof bundle: its header, where the header comes from, every trie proof, every claim, any signatures.

Nothing in the bundle is trusted but its bytes: the header must hash to the block hash, the proofs must lead to the
header's state root, and the claims must equal the proven values. Whether the header is the chain's is a separate
question answered by `anchor`; without an anchor the verdict is valid but provisional.
"""

from __future__ import annotations

from typing import Any

from eth_utils.crypto import keccak

from wallet_app.chain.client import AccountProof
from wallet_app.proofs.anchor import Anchors, check_anchor
from wallet_app.proofs.bundle import Bundle
from wallet_app.proofs.checks import Checks, Proven, Verdict
from wallet_app.proofs.claims import NATIVE_BALANCE, Claim, read_claim
from wallet_app.proofs.errors import ProofInvalid
from wallet_app.proofs.header import Header, header_from_rlp
from wallet_app.proofs.signature_check import check_signatures
from wallet_app.proofs.statement_check import check_statement
from wallet_app.proofs.trie_proof import EMPTY_TRIE_ROOT, ProvenAccount, prove_account, prove_storage

EMPTY_CODE_HASH = keccak(b"")
ZERO_HASH = bytes(32)


def verify_bundle(bundle: Bundle, anchors: Anchors, *, now: int | None = None) -> Verdict:
    """`now` (seconds since the epoch; default the clock) decides whether a signed statement has expired."""
    checks = Checks()
    header = check_header(bundle, checks)
    if header is None:
        return Verdict(False, False, tuple(checks.items), ())
    proven = check_proofs(bundle.proofs, header.state_root, checks)
    provisional = check_anchor(bundle, header, anchors, checks, proven)
    claims = [read_claim(raw, f"claims[{index}]") for index, raw in enumerate(bundle.claims)]
    verdicts = _check_claims(claims, proven, checks)
    if "statement" in bundle.raw:
        check_statement(bundle.raw, claims, checks)
    check_signatures(bundle, proven, checks, endpoints=anchors.endpoints, now=now)
    return Verdict(checks.all_ok, provisional and checks.all_ok, tuple(checks.items), tuple(verdicts))


def check_header(bundle: Bundle, checks: Checks) -> Header | None:
    header = header_from_rlp(bundle.header_rlp)
    if header.hash != bundle.block_hash:
        checks.add("header", False, f"the header does not hash to the block hash 0x{bundle.block_hash.hex()}: "
                                    f"keccak256 of header_rlp is 0x{header.hash.hex()}")
        return None
    if header.number != bundle.block_number:
        checks.add("header", False, f"the header is of block {header.number}, the bundle says {bundle.block_number}")
        return None
    checks.add("header", True, f"block {header.number} ({header.fork} header) hashes to 0x{header.hash.hex()}; "
                               f"state root 0x{header.state_root.hex()}")
    return header


def check_proofs(replies: tuple[AccountProof, ...], state_root: bytes, checks: Checks) -> dict[str, Proven]:
    proven: dict[str, Proven] = {}
    for reply in replies:
        try:
            account = prove_account(state_root, bytes.fromhex(reply.address[2:]), reply.account_proof)
        except ProofInvalid as exc:
            checks.add(f"account proof of {reply.address}", False, exc.user_message)
            continue
        differences = _reply_differences(reply, account)
        if differences:
            checks.add(f"account proof of {reply.address}", False,
                       "the node's reply differs from what its proof proves: " + "; ".join(differences))
            continue
        state = "exists" if account.exists else "is absent (a valid exclusion proof)"
        checks.add(f"account proof of {reply.address}", True,
                   f"leads to the state root; the account {state}, balance {account.balance}, nonce {account.nonce}")
        values: dict[int, int] = {}
        for entry in reply.storage_proofs:
            name = f"storage proof of {reply.address} slot 0x{entry.key:064x}"
            try:
                value = prove_storage(account.storage_root, entry.key.to_bytes(32, "big"), entry.proof)
            except ProofInvalid as exc:
                checks.add(name, False, exc.user_message)
                continue
            if value != entry.value:
                checks.add(name, False, f"the node says {entry.value}, the proof proves {value}")
                continue
            how = "an exclusion proof (the slot is empty)" if value == 0 else f"value {value}"
            checks.add(name, True, f"leads to the account's storage root: {how}")
            values[entry.key] = value
        proven[reply.address] = Proven(account, values)
    return proven


def _reply_differences(reply: AccountProof, account: ProvenAccount) -> list[str]:
    found = []
    if reply.balance != account.balance:
        found.append(f"balance {reply.balance} against {account.balance}")
    if reply.nonce != account.nonce:
        found.append(f"nonce {reply.nonce} against {account.nonce}")
    # For an absent account some nodes send zero hashes; the trie proves the empty ones.
    absent_ok = not account.exists and reply.storage_hash in (ZERO_HASH, EMPTY_TRIE_ROOT)
    if reply.storage_hash != account.storage_root and not absent_ok:
        found.append(f"storageHash 0x{reply.storage_hash.hex()} against 0x{account.storage_root.hex()}")
    absent_code = not account.exists and reply.code_hash in (ZERO_HASH, EMPTY_CODE_HASH)
    if reply.code_hash != account.code_hash and not absent_code:
        found.append(f"codeHash 0x{reply.code_hash.hex()} against 0x{account.code_hash.hex()}")
    return found


def _check_claims(claims: list[Claim], proven: dict[str, Proven], checks: Checks) -> list[dict[str, Any]]:
    out = []
    for index, claim in enumerate(claims):
        ok, detail = check_claim(claim, proven)
        checks.add(f"claim {index + 1}", ok, f"{claim.words()}: {detail}")
        out.append({**claim.to_json(), "proven": ok})
    return out


def check_claim(claim: Claim, proven: dict[str, Proven]) -> tuple[bool, str]:
    if claim.kind == NATIVE_BALANCE:
        holder = proven.get(claim.account)
        if holder is None:
            return False, "the bundle has no valid account proof of this account"
        if holder.account.balance != claim.amount:
            return False, f"the proven balance is {holder.account.balance}"
        return True, "equals the proven account balance"
    assert claim.slot is not None  # read_claim requires one for every token claim
    if claim.slot.keys != claim.holder_keys():
        return False, "the slot is derived from other keys than this holder (or token id): it proves someone else's"
    contract = proven.get(claim.asset)
    if contract is None:
        return False, f"the bundle has no valid proof of the token contract {claim.asset}"
    slot = claim.slot.slot
    if slot not in contract.storage:
        return False, f"the bundle has no valid storage proof of slot 0x{slot:064x}"
    value, expected = contract.storage[slot], claim.expected_slot_value()
    if value != expected:
        return False, f"the proven value of slot 0x{slot:064x} is {value}, the claim needs {expected}"
    return True, f"equals the proven value of slot 0x{slot:064x} ({claim.slot.layout})"
