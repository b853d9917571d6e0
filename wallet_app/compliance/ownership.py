"""Proof that a counterparty controls an address, two ways.

- A signature: Custos issues a challenge (`challenge_text`: institution, counterparty, address, chain, nonce,
  expiry). An EOA answers with its EIP-191 signature, which must recover to the address. A contract wallet is asked
  `isValidSignature(hash, signature)` at one pinned block (by hash, EIP-1898): only the exact magic 0x1626ba7e
  counts, a revert or any other answer fails, and a wallet that also says yes to another hash with the same
  signature accepts anything, so it proves nothing.
- A satoshi test: Custos names an exact small amount of an asset to send from the address to one of the profile's
  vaults; the transaction given is checked to be exactly that transfer, from that address, mined after the test was
  issued, successful and final.

A challenge is used once (a second answer is a replay), refused after its expiry and kept open after a wrong answer
(the counterparty may try again). Nothing is recorded as proven unless every check passed; each refusal is logged.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eth_abi.abi import decode
from sqlalchemy import insert, select, update

from wallet_app.audit import actions
from wallet_app.compliance.challenge_text import challenge_text, eip191_hash
from wallet_app.compliance.counterparties import CounterpartyBook, Proof
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import CallReverted, ConfigError, WalletError
from wallet_app.keys.signature import recover_signature_text
from wallet_app.safe.messages import EIP1271_MAGIC
from wallet_app.storage.schema import ownership_challenges

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient

SIGNATURE = "signature"
SATOSHI = "satoshi"
NATIVE = "native"
TRANSFER_TOPIC = bytes.fromhex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
DEFAULT_HOURS = {SIGNATURE: 24, SATOSHI: 72}


class ProofRefused(WalletError):
    code = "proof_refused"


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: str
    address: str
    counterparty: str
    method: str
    text: str
    expires_at: datetime
    asset: str = ""  # satoshi: NATIVE or the token's address
    amount: int = 0  # satoshi: base units
    vault: str = ""  # satoshi: where to send it
    start_block: int | None = None
    used: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"nonce": self.nonce, "address": self.address, "counterparty": self.counterparty,
                               "method": self.method, "expires_at": self.expires_at.isoformat(), "used": self.used}
        if self.method == SIGNATURE:
            out["text"] = self.text
        else:
            out.update({"asset": self.asset, "amount": str(self.amount), "vault": self.vault,
                        "start_block": self.start_block, "instructions": self.text})
        return out


class OwnershipDesk:
    def __init__(self, *, book: CounterpartyBook, chain: ChainClient, audit: AuditLog, institution: str,
                 confirmations: int, vaults: Callable[[], set[str]],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._book = book
        self._chain = chain
        self._audit = audit
        self._institution = institution
        self._confirmations = max(1, confirmations)
        self._vaults = vaults  # the profile's vault addresses
        self._clock = clock

    # -- issuing ------------------------------------------------------------------------------------------------
    def issue_signature_challenge(self, address: str, *, actor: str, hours: int | None = None) -> Challenge:
        party, checksummed = self._owned(address)
        nonce, expires = self._nonce(), self._expiry(SIGNATURE, hours)
        text = challenge_text(institution=self._institution, counterparty=party.full_name, address=checksummed,
                              chain_id=self._book.chain_id, nonce=nonce, expires_at=expires)
        challenge = Challenge(nonce, checksummed, party.name, SIGNATURE, text, expires)
        self._store(challenge, party.id, actor)
        return challenge

    def issue_satoshi_test(self, address: str, *, vault: str, asset: str, decimals: int, symbol: str, actor: str,
                           hours: int | None = None) -> Challenge:
        party, checksummed = self._owned(address)
        vault = to_checksum(vault)
        if vault not in self._vaults():
            raise ConfigError(f"{vault} is not one of this profile's vaults; a satoshi test pays into one")
        asset = NATIVE if asset == NATIVE else to_checksum(asset)
        if decimals < 6:
            raise ConfigError(f"A satoshi test needs an asset of 6 decimals or more (this one has {decimals}): the "
                              "amount must be small and hard to hit by chance; use the native coin or a stablecoin")
        digits = decimals - 3  # an amount of 0.001 to 0.01 units, random in its last digits
        amount = 10**digits + secrets.randbelow(9 * 10**digits)
        nonce, expires = self._nonce(), self._expiry(SATOSHI, hours)
        shown = Decimal(amount).scaleb(-decimals)
        text = (f"Send exactly {shown:f} {symbol} ({amount} base units) from {checksummed} to {vault} "
                f"before {expires.strftime('%Y-%m-%d %H:%M')} UTC, in one transaction; then give its hash.")
        start = self._chain.fetch_block_number()
        challenge = Challenge(nonce, checksummed, party.name, SATOSHI, text, expires, asset, amount, vault, start)
        self._store(challenge, party.id, actor)
        return challenge

    def load(self, nonce: str) -> Challenge:
        with self._book.engine.connect() as conn:
            row = conn.execute(select(ownership_challenges).where(
                ownership_challenges.c.chain_id == self._book.chain_id,
                ownership_challenges.c.nonce == nonce.lower())).first()
        if row is None:
            raise ProofRefused(f"No challenge has the nonce {nonce[:70]!r} on this profile")
        held = self._book.owner_of(row.address)
        party = held[0].name if held is not None else "?"
        return Challenge(row.nonce, row.address, party, row.method, row.text, _aware(row.expires_at),
                         row.asset or "", int(row.amount or 0), row.vault or "", row.start_block,
                         row.used_at is not None)

    # -- answering ----------------------------------------------------------------------------------------------
    def prove_by_signature(self, nonce: str, signature_hex: str, *, actor: str) -> Proof:
        challenge = self._open(nonce, SIGNATURE)
        try:
            signature = _signature_bytes(signature_hex)
            digest = eip191_hash(challenge.text)
            header = self._chain.fetch_block("latest")
            code = self._chain.fetch_code(challenge.address, header.number)
            detail: dict[str, Any] = {"nonce": challenge.nonce, "text": challenge.text,
                                      "signature": "0x" + signature.hex(), "block_number": header.number,
                                      "block_hash": "0x" + header.hash.hex()}
            if code:
                self._check_contract_wallet(challenge.address, digest, signature, header.hash)
                kind = "eip1271"
            else:
                signer = _recover(digest, signature)
                if signer != challenge.address:
                    raise ProofRefused(f"The signature was made by {signer}, not by {challenge.address}: the "
                                       "address is not proven")
                kind = SIGNATURE
        except ProofRefused as exc:
            self._refused(challenge, actor, exc.user_message)
            raise
        return self._proven(challenge, Proof(kind, detail, self._clock()), actor)

    def prove_by_satoshi(self, nonce: str, tx_hash_hex: str, *, actor: str) -> Proof:
        challenge = self._open(nonce, SATOSHI)
        try:
            tx_hash = _hash_bytes(tx_hash_hex)
            block, block_hash = self._check_payment(challenge, tx_hash)
        except ProofRefused as exc:
            self._refused(challenge, actor, exc.user_message)
            raise
        detail = {"nonce": challenge.nonce, "transaction": "0x" + tx_hash.hex(), "asset": challenge.asset,
                  "amount": str(challenge.amount), "vault": challenge.vault, "block_number": block,
                  "block_hash": "0x" + block_hash.hex()}
        return self._proven(challenge, Proof(SATOSHI, detail, self._clock()), actor)

    # -- checks -------------------------------------------------------------------------------------------------
    def _check_contract_wallet(self, wallet: str, digest: bytes, signature: bytes, block_hash: bytes) -> None:
        if _is_valid(self._chain, wallet, digest, signature, block_hash) is not True:
            raise ProofRefused(f"The contract wallet {wallet} did not answer the EIP-1271 magic value for this "
                               "challenge's signature: the address is not proven")
        other = eip191_hash(f"not the challenge {secrets.token_hex(16)}")
        if _is_valid(self._chain, wallet, other, signature, block_hash) is True:
            raise ProofRefused(f"The contract wallet {wallet} also accepts this signature for another message: it "
                               "accepts anything, so it proves nothing")

    def _check_payment(self, challenge: Challenge, tx_hash: bytes) -> tuple[int, bytes]:
        tx = self._chain.fetch_transaction(tx_hash)
        receipt = self._chain.fetch_receipt(tx_hash)
        if tx is None or receipt is None or tx.block_number is None:
            raise ProofRefused(f"Transaction 0x{tx_hash.hex()} is not mined on this chain (yet)")
        if receipt.status != 1:
            raise ProofRefused(f"Transaction 0x{tx_hash.hex()} failed on chain: nothing was paid")
        if challenge.start_block is not None and receipt.block_number <= challenge.start_block:
            raise ProofRefused(f"Transaction 0x{tx_hash.hex()} was mined in block {receipt.block_number}, before "
                               f"the test was issued (block {challenge.start_block}): it cannot answer it")
        if challenge.asset == NATIVE:
            paid = (tx.sender, tx.recipient, tx.value)
            if tx.sender != challenge.address:
                raise ProofRefused(f"The payment came from {tx.sender}, not from {challenge.address}")
            if paid[1] != challenge.vault or paid[2] != challenge.amount:
                raise ProofRefused(f"The transaction sends {tx.value} base units to {tx.recipient}; the test asks "
                                   f"for exactly {challenge.amount} to {challenge.vault}")
        else:
            transfers = [_transfer(log) for log in receipt.logs if log.address == challenge.asset
                         and log.topics and log.topics[0] == TRANSFER_TOPIC and len(log.topics) == 3]
            if not any(t == (challenge.address, challenge.vault, challenge.amount) for t in transfers):
                seen = "; ".join(f"{a} from {f} to {t}" for f, t, a in transfers)[:300] or "none of this token"
                raise ProofRefused(f"The transaction has no transfer of exactly {challenge.amount} base units of "
                                   f"{challenge.asset} from {challenge.address} to {challenge.vault} (transfers: "
                                   f"{seen})")
        head = self._chain.fetch_block_number()
        confirmations = head - receipt.block_number + 1
        if confirmations < self._confirmations:
            raise ProofRefused(f"The payment has {confirmations} of the {self._confirmations} confirmations that "
                               "make it final here; try again later")
        header = self._chain.fetch_block(receipt.block_number)
        if receipt.block_hash and header.hash != receipt.block_hash:
            raise ProofRefused("The block of the payment was reorganised away; try again later")
        return receipt.block_number, header.hash

    # -- records ------------------------------------------------------------------------------------------------
    def _owned(self, address: str) -> tuple[Any, str]:
        checksummed = to_checksum(address)
        held = self._book.owner_of(checksummed)
        if held is None:
            raise ConfigError(f"{checksummed} is no counterparty's address; add it first (custos counterparty "
                              "add-address)")
        return held[0], checksummed

    def _open(self, nonce: str, method: str) -> Challenge:
        challenge = self.load(nonce)
        if challenge.method != method:
            raise ProofRefused(f"Challenge {challenge.nonce} is a {challenge.method} challenge, not a {method} one")
        if challenge.used:
            raise ProofRefused(f"Challenge {challenge.nonce} was answered already: a second answer is a replay and "
                               "proves nothing; issue a new challenge")
        if self._clock() > challenge.expires_at:
            raise ProofRefused(f"Challenge {challenge.nonce} expired at {challenge.expires_at:%Y-%m-%d %H:%M} UTC; "
                               "issue a new one")
        return challenge

    def _proven(self, challenge: Challenge, proof: Proof, actor: str) -> Proof:
        with self._book.engine.begin() as conn:
            used = conn.execute(update(ownership_challenges).where(
                ownership_challenges.c.chain_id == self._book.chain_id,
                ownership_challenges.c.nonce == challenge.nonce,
                ownership_challenges.c.used_at.is_(None)).values(used_at=proof.proven_at))
            if used.rowcount != 1:
                raise ProofRefused(f"Challenge {challenge.nonce} was answered meanwhile; nothing was recorded")
            self._book.mark_proven(conn, challenge.address, proof)
            self._audit.append(conn, actor=actor, action=actions.OWNERSHIP_PROVEN, subject=challenge.address, detail={
                "counterparty": challenge.counterparty, "kind": proof.kind,
                **{k: v for k, v in proof.detail.items() if k != "text"}})
        return proof

    def _refused(self, challenge: Challenge, actor: str, reason: str) -> None:
        self._audit.record(actor=actor, action=actions.OWNERSHIP_REFUSED, subject=challenge.address, detail={
            "counterparty": challenge.counterparty, "nonce": challenge.nonce, "method": challenge.method,
            "reason": reason[:500]})

    def _store(self, challenge: Challenge, party_id: int, actor: str) -> None:
        with self._book.engine.begin() as conn:
            conn.execute(insert(ownership_challenges).values(
                chain_id=self._book.chain_id, nonce=challenge.nonce, address=challenge.address,
                counterparty_id=party_id, method=challenge.method, text=challenge.text, asset=challenge.asset,
                amount=str(challenge.amount) if challenge.amount else "", vault=challenge.vault,
                start_block=challenge.start_block, issued_at=self._clock(), expires_at=challenge.expires_at,
                issued_by=actor[:42]))
            self._audit.append(conn, actor=actor, action=actions.OWNERSHIP_CHALLENGE, subject=challenge.address,
                               detail=json.loads(json.dumps(challenge.to_json())))

    def _nonce(self) -> str:
        return "0x" + secrets.token_hex(16)

    def _expiry(self, method: str, hours: int | None) -> datetime:
        span = DEFAULT_HOURS[method] if hours is None else hours
        if not 1 <= span <= 24 * 30:
            raise ConfigError("a challenge is valid for 1 hour to 30 days")
        return self._clock().replace(microsecond=0) + timedelta(hours=span)


def _is_valid(chain: ChainClient, wallet: str, digest: bytes, signature: bytes, block_hash: bytes) -> bool | None:
    """True only for the exact magic answer; None for a revert; False for anything else."""
    try:
        raw = chain.call(wallet, build_call("isValidSignature(bytes32,bytes)", digest, signature), block=block_hash)
    except CallReverted:
        return None
    return len(raw) == 32 and raw[:4] == EIP1271_MAGIC and raw[4:] == bytes(28)


def _recover(digest: bytes, signature: bytes) -> str:
    try:
        return recover_signature_text(digest, "0x" + signature.hex())
    except ValueError as exc:
        raise ProofRefused(f"The signature is not a valid ECDSA signature (65 bytes r, s, v): {exc}") from None


def _signature_bytes(text: str) -> bytes:
    cleaned = text.strip().removeprefix("0x")
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise ProofRefused("The signature is not hexadecimal") from None
    if not 65 <= len(raw) <= 4096:
        raise ProofRefused(f"The signature is {len(raw)} bytes; an EOA signature is 65 and a contract wallet's at "
                           "most 4096")
    return raw


def _hash_bytes(text: str) -> bytes:
    cleaned = text.strip().lower()
    if len(cleaned) != 66 or not cleaned.startswith("0x"):
        raise ProofRefused("A transaction hash is 0x and 64 hexadecimal digits")
    try:
        return bytes.fromhex(cleaned[2:])
    except ValueError:
        raise ProofRefused("A transaction hash is 0x and 64 hexadecimal digits") from None


def _transfer(log: Any) -> tuple[str, str, int]:
    sender = to_checksum("0x" + log.topics[1][-20:].hex())
    recipient = to_checksum("0x" + log.topics[2][-20:].hex())
    (amount,) = decode(["uint256"], log.data) if len(log.data) == 32 else (-1,)
    return sender, recipient, int(amount)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
