"""Owner signatures from others, verified before they count (SECURITY A13, A14; issue "Parts that must hold" 2).

A Safe `signatures` blob is a run of 65-byte static parts `r || s || v`, followed by the dynamic parts of contract
signatures. `v` says what a part is:

* 27, 28: ECDSA over the safeTxHash;
* 31, 32: eth_sign: ECDSA with `v - 4` over the EIP-191 message "\\x19Ethereum Signed Message:\\n32" + safeTxHash;
* 1: an approved hash: `r` is the owner; it counts only if `approvedHashes(owner, safeTxHash)` is non-zero on chain
  at the checked block, or the owner is the account that sends `execTransaction`;
* 0: an EIP-1271 contract signature: `r` is the owner contract, `s` the offset of `length || data` in the blob; it
  counts only if the owner contract says so, through the entry point the verifying Safe itself calls: a Safe from
  1.5.0 on calls `isValidSignature(bytes32,bytes)` with the safeTxHash and wants 0x1626ba7e; older Safes call the
  legacy `isValidSignature(bytes,bytes)` with the EIP-712 pre-image and want 0x20c13b0b (a Safe owning a Safe
  answers both through its CompatibilityFallbackHandler);
* anything else: no Safe signature type (Safe's ecrecover gives the zero address; GS026).

Rows of the shared queue are untrusted; signatures are trusted: every check starts from the hash the caller
recomputed from the raw fields, and an owner is whoever a signature recovers to (or names and proves on chain),
never whoever a row claims. Custos is stricter than Safe in two places: a high-s ECDSA signature (the malleable
twin of a canonical one) never counts, and an owner word with bits above the 160-bit address is garbled.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from eth_abi.abi import decode
from eth_hash.auto import keccak

from wallet_app.chain.client import BlockRef, ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.domain.safe_tx import SafeTx, SafeTxHashes, compute_hashes, version_tuple
from wallet_app.errors import BadRpcReply, CallReverted, WalletError
from wallet_app.keys.signature import HALF_N, SECP256K1_N, recover_address

SIGNATURE_SIZE = 65
MAX_BLOB_BYTES = 256 * 1024  # far beyond any real quorum (a 100-owner blob with contract parts is ~20 KiB)
ETH_SIGN_PREFIX = b"\x19Ethereum Signed Message:\n32"
EIP1271_MAGIC_BYTES32 = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
EIP1271_MAGIC_LEGACY = bytes.fromhex("20c13b0b")  # isValidSignature(bytes,bytes)
EIP1271_BYTES32_FROM = (1, 5, 0)
WRONG_HASH = "does not sign this transaction (another chain, vault or nonce?)"


class SignatureFormatError(WalletError, ValueError):
    """A signature or a signatures blob that cannot be split into Safe signatures (truncated, garbled)."""

    code = "signature_format"


class SignatureNotCountable(WalletError):
    """An attempt to put a signature that did not count into an execTransaction: refused, never forwarded."""

    code = "signature_not_countable"


class SignatureKind(Enum):
    ECDSA = "ecdsa"
    ETH_SIGN = "eth_sign"
    APPROVED_HASH = "approved_hash"
    CONTRACT = "contract"
    UNKNOWN = "unknown"  # a `v` that is no Safe signature type
    GARBLED = "garbled"  # not even a signature: the reason says why


class Flag(Enum):
    """Why a signature does not count: stable codes for the UI, the CLI's --json and the audit log."""

    NON_OWNER = "non_owner"
    STALE_APPROVER = "stale_approver"
    WRONG_HASH = "wrong_hash"
    DUPLICATE = "duplicate"
    MALLEATED = "malleated"
    HIGH_S = "high_s"
    BAD_V = "bad_v"
    GARBLED = "garbled"
    ETH_SIGN_FORBIDDEN = "eth_sign_forbidden"
    NOT_APPROVED = "not_approved"
    CONTRACT_REVERTED = "contract_reverted"
    CONTRACT_REJECTED = "contract_rejected"
    CONTRACT_LAYOUT = "contract_layout"
    UNCHECKED = "unchecked"
    TAMPERED = "tampered"  # a stored row names another signer than its signature recovers to (J2)


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """One signature as it stands in a blob: its static part and, for a contract signature, its dynamic data."""

    position: int  # index of its 65-byte static part in the blob (0 for a single signature)
    r: int
    s: int
    v: int
    kind: SignatureKind
    contract_data: bytes = b""
    layout_error: str = ""  # GS021 / GS022 / GS023 when a contract signature's data is not where Safe reads it

    @property
    def owner_word(self) -> str | None:
        """The owner a contract signature or an approved hash names in `r`; None for ECDSA or a garbled word."""
        if self.kind not in (SignatureKind.CONTRACT, SignatureKind.APPROVED_HASH) or self.r >> 160:
            return None
        return from_bytes(self.r.to_bytes(32, "big")[12:])

    def static_bytes(self) -> bytes:
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])


@dataclass(frozen=True, slots=True)
class CoSignature:
    """A signature as it arrives from a co-signer (a queue row, an import), with the signer the row claims. The
    claim is never trusted: it only sharpens the reason when the signature recovers to someone else."""

    signature: bytes | str
    claimed_signer: str | None = None


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    signature: ParsedSignature | None  # None when the input was not a signature at all
    signer: str | None  # the address it recovers to, or the owner it names; None when neither is known
    kind: SignatureKind
    valid: bool
    reason: str = ""  # plain words; "" when it counts
    flag: Flag | None = None
    safe_error: str = ""  # the Safe error code the chain would answer (GS020-GS026), where there is one


@dataclass(frozen=True, slots=True)
class SignatureTally:
    """k valid signatures of threshold n, for one safeTxHash at one block, with every flagged one."""

    safe_tx_hash: bytes
    threshold: int
    block: BlockRef
    checks: tuple[SignatureCheck, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def counted(self) -> tuple[SignatureCheck, ...]:
        return tuple(c for c in self.checks if c.valid)

    @property
    def flagged(self) -> tuple[SignatureCheck, ...]:
        return tuple(c for c in self.checks if not c.valid)

    @property
    def valid_count(self) -> int:
        return len(self.counted)

    @property
    def met(self) -> bool:
        return self.threshold > 0 and self.valid_count >= self.threshold

    @property
    def signers(self) -> tuple[str, ...]:
        return tuple(c.signer for c in self.counted if c.signer is not None)

    def summary(self) -> str:
        return f"{self.valid_count} valid signature{'s' if self.valid_count != 1 else ''} of threshold {self.threshold}"

    def encode_for_execution(self) -> bytes:
        """The counted signatures, packed for execTransaction."""
        return encode_for_execution(self.counted)


@dataclass(frozen=True, slots=True)
class OwnerSet:
    owners: tuple[str, ...]
    threshold: int
    block: int


# -- parsing ----------------------------------------------------------------------------------------------------

def _as_bytes(value: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(value, str):
        text = value.strip()
        body = text[2:] if text[:2].lower() == "0x" else text
        if len(body) % 2:
            raise SignatureFormatError("A signature in hex needs an even number of hex digits")
        try:
            return bytes.fromhex(body)
        except ValueError:
            raise SignatureFormatError("A signature must be hex digits (0x…)") from None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise SignatureFormatError("A signature must be bytes or hex text")


def _word(blob: bytes, position: int) -> int:
    return int.from_bytes(blob[position : position + 32], "big")


def _kind_of(v: int) -> SignatureKind:
    if v == 0:
        return SignatureKind.CONTRACT
    if v == 1:
        return SignatureKind.APPROVED_HASH
    if v in (27, 28):
        return SignatureKind.ECDSA
    if v in (31, 32):
        return SignatureKind.ETH_SIGN
    return SignatureKind.UNKNOWN


def parse_signatures(blob: bytes | bytearray | memoryview | str) -> tuple[ParsedSignature, ...]:
    """Split a Safe `signatures` blob. A contract signature whose data is not where Safe reads it is returned with
    its `layout_error` (it will never count); a blob that cannot be split raises `SignatureFormatError`."""
    raw = _as_bytes(blob)
    if len(raw) > MAX_BLOB_BYTES:
        raise SignatureFormatError(f"The signatures are {len(raw)} bytes, more than any real quorum needs")
    parsed: list[ParsedSignature] = []
    static_end = len(raw)  # the first contract signature's data ends the static part
    position = 0
    while position < static_end:
        if position + SIGNATURE_SIZE > static_end:
            if static_end == len(raw):
                raise SignatureFormatError(
                    f"The signatures are cut short: {len(raw)} bytes is not a whole number of 65-byte signatures "
                    f"(signature {len(parsed) + 1} has only {static_end - position} bytes)"
                )
            raise SignatureFormatError(
                f"A contract signature's data begins inside signature {len(parsed) + 1} (at byte {static_end})"
            )
        r, s, v = _word(raw, position), _word(raw, position + 32), raw[position + 64]
        kind = _kind_of(v)
        contract_data = b""
        layout_error = ""
        if kind is SignatureKind.CONTRACT:
            if s < position + SIGNATURE_SIZE:
                layout_error = "GS021"  # its data would overlap the static parts
            elif s + 32 > len(raw):
                layout_error = "GS022"  # its length word lies past the end
            elif s + 32 + _word(raw, s) > len(raw):
                layout_error = "GS023"  # its data runs past the end
            else:
                contract_data = raw[s + 32 : s + 32 + _word(raw, s)]
            if s <= len(raw) and layout_error != "GS021":
                static_end = min(static_end, s)
        parsed.append(ParsedSignature(len(parsed), r, s, v, kind, contract_data, layout_error))
        position += SIGNATURE_SIZE
        if position < static_end and position + SIGNATURE_SIZE > static_end and static_end == len(raw) \
                and any(p.layout_error for p in parsed):
            break  # the tail is the misplaced data of a contract signature that is flagged and will never count
    return tuple(parsed)


def parse_single(signature: bytes | bytearray | memoryview | str) -> ParsedSignature:
    """One co-signer's signature: 65 bytes, or a contract signature with its data (offset 65), as Safe's
    transaction service and safe-eth-py's `export_signature` give it."""
    parsed = parse_signatures(signature)
    if len(parsed) != 1:
        raise SignatureFormatError(
            "Expected one signature" + (f", found {len(parsed)}" if parsed else ", found none")
        )
    return parsed[0]


def approved_hash_signature(owner: str) -> bytes:
    """The v = 1 signature of an owner who approved the hash on chain (or who sends execTransaction)."""
    return bytes(12) + bytes.fromhex(to_checksum(owner)[2:]) + bytes(32) + b"\x01"


def contract_signature(owner: str, data: bytes) -> bytes:
    """A single EIP-1271 signature of owner contract `owner`: the static part pointing at offset 65, then the data."""
    return (bytes(12) + bytes.fromhex(to_checksum(owner)[2:]) + SIGNATURE_SIZE.to_bytes(32, "big") + b"\x00"
            + len(data).to_bytes(32, "big") + data)


# -- verification -----------------------------------------------------------------------------------------------

def uses_bytes32_eip1271(version: str) -> bool:
    """Which EIP-1271 entry point a Safe of `version` calls on an owner contract (1.5.0: the bytes32 one)."""
    return version_tuple(version) >= EIP1271_BYTES32_FROM


def fetch_owner_set(chain: ChainClient, safe: str, block: BlockRef = "latest") -> OwnerSet:
    """The owners and threshold of `safe` at one block (a number, so later reads can use the same block)."""
    number = chain.fetch_block_number() if isinstance(block, str) else block
    owners_raw = chain.call(to_checksum(safe), build_call("getOwners()"), block=number)
    threshold_raw = chain.call(to_checksum(safe), build_call("getThreshold()"), block=number)
    try:
        (owners,) = decode(["address[]"], owners_raw)
        (threshold,) = decode(["uint256"], threshold_raw)
    except Exception:
        raise BadRpcReply(f"{to_checksum(safe)} did not answer getOwners/getThreshold like a Safe") from None
    return OwnerSet(tuple(to_checksum(o) for o in owners), int(threshold), number)


class _Context:
    def __init__(
        self, hashes: SafeTxHashes, owners: Collection[str], chain: ChainClient | None, safe: str, block: BlockRef,
        version: str, executor: str | None, allow_eth_sign: bool, former_owners: Collection[str],
    ) -> None:
        self.hashes = hashes
        self.owners = {to_checksum(o) for o in owners}
        self.chain = chain
        self.safe = to_checksum(safe)
        self.block = block
        self.version = version
        self.executor = to_checksum(executor) if executor else None
        self.allow_eth_sign = allow_eth_sign
        self.former_owners = {to_checksum(o) for o in former_owners}

    @property
    def where(self) -> str:
        return f"at block {self.block}" if isinstance(self.block, int) else f"at the {self.block} block"


def _recover(digest: bytes, r: int, s: int, v: int) -> str | None:
    try:
        return recover_address(digest, r, s, v - 27)
    except Exception:
        return None


def _not_an_owner(sig: ParsedSignature | None, who: str, kind: SignatureKind, ctx: _Context,
                  claimed: str | None) -> SignatureCheck:
    recovered = kind in (SignatureKind.ECDSA, SignatureKind.ETH_SIGN)
    if who in ctx.former_owners:
        return SignatureCheck(sig, who, kind, False,
                              f"stale approver: {who} signed but is no longer an owner of this vault {ctx.where}",
                              Flag.STALE_APPROVER, "GS026")
    if recovered and claimed is not None and claimed != who:
        return SignatureCheck(sig, who, kind, False,
                              f"{WRONG_HASH}: it recovers to {who}, not to {claimed} who is said to have signed",
                              Flag.WRONG_HASH, "GS026")
    if recovered and claimed == who:
        return SignatureCheck(sig, who, kind, False,
                              f"{who} is not an owner of this vault {ctx.where} (removed? stale approver)",
                              Flag.STALE_APPROVER, "GS026")
    if recovered:
        return SignatureCheck(sig, who, kind, False,
                              f"recovers to {who}, who is not an owner of this vault {ctx.where}: it {WRONG_HASH} "
                              "or was made by a non-owner", Flag.NON_OWNER, "GS026")
    return SignatureCheck(sig, who, kind, False, f"names {who}, who is not an owner of this vault {ctx.where}",
                          Flag.NON_OWNER, "GS026")


def _check_ecdsa(sig: ParsedSignature, ctx: _Context, claimed: str | None,
                 twins: set[tuple[int, int]]) -> SignatureCheck:
    kind = sig.kind
    if not (0 < sig.r < SECP256K1_N and 0 < sig.s < SECP256K1_N):
        return SignatureCheck(sig, None, kind, False, "garbled: r or s is outside the curve order", Flag.GARBLED,
                              "GS026")
    if kind is SignatureKind.ETH_SIGN:
        digest, v = keccak(ETH_SIGN_PREFIX + ctx.hashes.safe_tx_hash), sig.v - 4
    else:
        digest, v = ctx.hashes.safe_tx_hash, sig.v
    who = _recover(digest, sig.r, sig.s, v)
    if who is None:
        return SignatureCheck(sig, None, kind, False, "garbled: it recovers to no address", Flag.GARBLED, "GS026")
    if sig.s > HALF_N:
        if (sig.r, SECP256K1_N - sig.s) in twins:
            return SignatureCheck(sig, who, kind, False,
                                  "malleated copy of another signature here (same r, s replaced by n - s, v flipped): "
                                  "never counted", Flag.MALLEATED)
        return SignatureCheck(sig, who, kind, False,
                              "malleated (high-s) form of a signature: Custos counts only the canonical low-s form; "
                              f"ask {who} to sign again", Flag.HIGH_S)
    if who not in ctx.owners:
        return _not_an_owner(sig, who, kind, ctx, claimed)
    if kind is SignatureKind.ETH_SIGN and not ctx.allow_eth_sign:
        return SignatureCheck(sig, who, kind, False,
                              "an eth_sign signature (v > 30), which this vault's policy does not accept",
                              Flag.ETH_SIGN_FORBIDDEN)
    return SignatureCheck(sig, who, kind, True)


def _check_approved_hash(sig: ParsedSignature, ctx: _Context, claimed: str | None) -> SignatureCheck:
    who = sig.owner_word
    kind = sig.kind
    if who is None:
        return SignatureCheck(sig, None, kind, False, "garbled: the owner word has bits beyond an address",
                              Flag.GARBLED, "GS025")
    if who not in ctx.owners:
        return _not_an_owner(sig, who, kind, ctx, claimed)
    if ctx.executor == who:
        return SignatureCheck(sig, who, kind, True)  # the owner approves by sending execTransaction itself
    if ctx.chain is None:
        return SignatureCheck(sig, who, kind, False, "an on-chain approval that was not checked (no node)",
                              Flag.UNCHECKED, "GS025")
    call = build_call("approvedHashes(address,bytes32)", who, ctx.hashes.safe_tx_hash)
    answer = ctx.chain.call(ctx.safe, call, block=ctx.block)
    if len(answer) < 32:
        raise BadRpcReply(f"{ctx.safe} answered approvedHashes with {len(answer)} bytes")
    if _word(answer, 0) == 0:
        return SignatureCheck(sig, who, kind, False,
                              f"{who} has not approved this hash on chain (approvedHashes is 0 {ctx.where})",
                              Flag.NOT_APPROVED, "GS025")
    return SignatureCheck(sig, who, kind, True)


def _check_contract(sig: ParsedSignature, ctx: _Context, claimed: str | None) -> SignatureCheck:
    who = sig.owner_word
    kind = sig.kind
    if who is None:
        return SignatureCheck(sig, None, kind, False, "garbled: the owner word has bits beyond an address",
                              Flag.GARBLED, "GS026")
    if sig.layout_error:
        where = {"GS021": "points into the signatures' static part", "GS022": "points past the end",
                 "GS023": "runs past the end"}[sig.layout_error]
        return SignatureCheck(sig, who, kind, False, f"garbled contract signature: its data {where}",
                              Flag.CONTRACT_LAYOUT, sig.layout_error)
    if who not in ctx.owners:
        return _not_an_owner(sig, who, kind, ctx, claimed)
    if ctx.chain is None:
        return SignatureCheck(sig, who, kind, False, "a contract signature that was not checked (no node)",
                              Flag.UNCHECKED, "GS024")
    if uses_bytes32_eip1271(ctx.version):
        entry, magic = "isValidSignature(bytes32,bytes)", EIP1271_MAGIC_BYTES32
        call = build_call(entry, ctx.hashes.safe_tx_hash, sig.contract_data)
    else:
        entry, magic = "isValidSignature(bytes,bytes)", EIP1271_MAGIC_LEGACY
        preimage = b"\x19\x01" + ctx.hashes.domain_hash + ctx.hashes.message_hash
        call = build_call(entry, preimage, sig.contract_data)
    try:
        answer = ctx.chain.call(who, call, block=ctx.block, sender=ctx.safe)
    except CallReverted:
        return SignatureCheck(sig, who, kind, False,
                              f"the owner contract {who} refused it ({entry} reverted {ctx.where})",
                              Flag.CONTRACT_REVERTED, "GS024")
    if answer != magic + bytes(28):
        said = "nothing (no contract there?)" if not answer else "0x" + answer[:32].hex()
        return SignatureCheck(sig, who, kind, False,
                              f"the owner contract {who} did not confirm it ({entry} returned {said}, "
                              f"not 0x{magic.hex()})", Flag.CONTRACT_REJECTED, "GS024")
    return SignatureCheck(sig, who, kind, True)


def _check_one(sig: ParsedSignature, ctx: _Context, claimed: str | None,
               twins: set[tuple[int, int]]) -> SignatureCheck:
    if sig.kind in (SignatureKind.ECDSA, SignatureKind.ETH_SIGN):
        return _check_ecdsa(sig, ctx, claimed, twins)
    if sig.kind is SignatureKind.APPROVED_HASH:
        return _check_approved_hash(sig, ctx, claimed)
    if sig.kind is SignatureKind.CONTRACT:
        return _check_contract(sig, ctx, claimed)
    return SignatureCheck(sig, None, sig.kind, False,
                          f"bad v ({sig.v}): not a Safe signature type (27/28 ECDSA, 31/32 eth_sign, 1 approved "
                          "hash, 0 contract)", Flag.BAD_V, "GS026")


Submitted = bytes | bytearray | memoryview | str | CoSignature | ParsedSignature


def _split(signatures: Submitted | Sequence[Submitted]) -> list[tuple[ParsedSignature | None, str | None, str]]:
    """(parsed or None, claimed signer, why it could not be parsed) for each signature given."""
    if isinstance(signatures, bytes | bytearray | memoryview | str):
        try:
            return [(p, None, "") for p in parse_signatures(signatures)]
        except SignatureFormatError as exc:
            return [(None, None, exc.user_message)]
    items: Sequence[Submitted] = [signatures] if isinstance(signatures, CoSignature | ParsedSignature) \
        else signatures
    out: list[tuple[ParsedSignature | None, str | None, str]] = []
    for item in items:
        if isinstance(item, ParsedSignature):
            out.append((item, None, ""))
            continue
        raw, claimed = (item.signature, item.claimed_signer) if isinstance(item, CoSignature) else (item, None)
        try:
            claimed_checksum = to_checksum(claimed) if claimed else None
        except WalletError:
            claimed_checksum = None
        try:
            out.append((parse_single(raw), claimed_checksum, ""))
        except SignatureFormatError as exc:
            out.append((None, claimed_checksum, exc.user_message))
    return out


def verify_signatures(
    hashes: SafeTxHashes,
    signatures: Submitted | Sequence[Submitted],
    owners: Collection[str],
    chain: ChainClient | None,
    safe: str,
    block: BlockRef,
    *,
    version: str,
    executor: str | None = None,
    allow_eth_sign: bool = True,
    former_owners: Collection[str] = (),
) -> list[SignatureCheck]:
    """Check each signature against `hashes` (recomputed by the caller from raw fields) and the owner set; each
    owner counts once. `chain` answers approved hashes and contract signatures at `block` (resolved to one number
    first); a node that fails raises its ChainError rather than turning into a verdict."""
    if chain is not None and isinstance(block, str):
        block = chain.fetch_block_number()
    ctx = _Context(hashes, owners, chain, safe, block, version, executor, allow_eth_sign, former_owners)
    items = _split(signatures)
    twins = {(p.r, p.s) for p, _, _ in items
             if p is not None and p.kind in (SignatureKind.ECDSA, SignatureKind.ETH_SIGN)}
    checks: list[SignatureCheck] = []
    seen: dict[str, int] = {}
    for parsed, claimed, problem in items:
        if parsed is None:
            checks.append(SignatureCheck(None, claimed, SignatureKind.GARBLED, False,
                                         f"garbled: {problem[:1].lower()}{problem[1:]}", Flag.GARBLED))
            continue
        check = _check_one(parsed, ctx, claimed, twins)
        signer = check.signer
        if check.valid and signer is not None:
            if signer in seen:
                check = SignatureCheck(parsed, signer, check.kind, False,
                                       f"duplicate: {signer} already signed (signature {seen[signer] + 1} here); "
                                       "each owner counts once", Flag.DUPLICATE, "GS026")
            else:
                seen[signer] = len(checks)
        checks.append(check)
    return checks


def count_valid(
    hashes: SafeTxHashes,
    signatures: Submitted | Sequence[Submitted],
    owners: Collection[str],
    threshold: int,
    chain: ChainClient | None,
    safe: str,
    block: BlockRef,
    *,
    version: str,
    executor: str | None = None,
    allow_eth_sign: bool = True,
    former_owners: Collection[str] = (),
) -> SignatureTally:
    """k valid signatures of `threshold`, with every signature that does not count flagged and why."""
    if chain is not None and isinstance(block, str):
        block = chain.fetch_block_number()
    checks = verify_signatures(hashes, signatures, owners, chain, safe, block, version=version, executor=executor,
                               allow_eth_sign=allow_eth_sign, former_owners=former_owners)
    notes = []
    order = [int(c.signer, 16) for c in checks if c.valid and c.signer is not None]
    if order != sorted(order):
        notes.append("The signers are not in ascending address order, which Safe rejects (GS026); Custos sorts "
                     "them when it packs the signatures for execution.")
    return SignatureTally(hashes.safe_tx_hash, threshold, block, tuple(checks), tuple(notes))


def count_valid_for_tx(
    tx: SafeTx,
    signatures: Submitted | Sequence[Submitted],
    owners: Collection[str],
    threshold: int,
    chain: ChainClient | None,
    block: BlockRef,
    *,
    executor: str | None = None,
    allow_eth_sign: bool = True,
    former_owners: Collection[str] = (),
) -> SignatureTally:
    """`count_valid` over the hashes recomputed here from the transaction's raw fields."""
    return count_valid(compute_hashes(tx), signatures, owners, threshold, chain, tx.safe, block, version=tx.version,
                       executor=executor, allow_eth_sign=allow_eth_sign, former_owners=former_owners)


# -- packing for execTransaction --------------------------------------------------------------------------------

def encode_for_execution(checks: Iterable[SignatureCheck]) -> bytes:
    """Signatures that counted, packed as execTransaction wants them: sorted by signer address ascending, each
    static part 65 bytes, contract signatures' `length || data` appended after the static parts in the same order.
    A signature that did not count, or a second one of the same owner, is refused: it is never forwarded."""
    chosen: dict[str, SignatureCheck] = {}
    for check in checks:
        if not check.valid or check.signer is None or check.signature is None:
            raise SignatureNotCountable(
                "A signature that does not count cannot go into a transaction"
                + (f" ({check.reason})" if check.reason else "")
            )
        if check.signer in chosen:
            raise SignatureNotCountable(f"{check.signer} appears twice; each owner signs once")
        chosen[check.signer] = check
    ordered = sorted(chosen.values(), key=lambda c: int(str(c.signer), 16))
    static = b""
    dynamic = b""
    offset = SIGNATURE_SIZE * len(ordered)
    for check in ordered:
        sig = check.signature
        assert sig is not None and check.signer is not None
        owner_word = bytes(12) + bytes.fromhex(check.signer[2:])
        if check.kind is SignatureKind.CONTRACT:
            static += owner_word + offset.to_bytes(32, "big") + b"\x00"
            part = len(sig.contract_data).to_bytes(32, "big") + sig.contract_data
            dynamic += part
            offset += len(part)
        elif check.kind is SignatureKind.APPROVED_HASH:
            static += owner_word + bytes(32) + b"\x01"
        else:
            static += sig.static_bytes()
    return static + dynamic
