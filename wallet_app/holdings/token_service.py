"""`TokenService`: the profile's tokens, as a person manages them: list, add by address, discover, approve, remove.

Added and discovered tokens are unreviewed until approved. Until the profile has roles (a later issue), approving
takes an officer who unlocks one of the profile's signing keys with its password (or PIN) and signs an EIP-191
message naming the chain id, the token's address, standard, symbol and decimals; the token is marked reviewed, by
that key's address, only when the signature recovers to it. Before the message is built the token is asked again
for its standard and metadata, and an approval is refused when they no longer match what was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from wallet_app.audit.entry import entry_signer
from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError, KeyNotFound, SignerMismatch, WatchOnly
from wallet_app.holdings.model import Account
from wallet_app.holdings.registry import SOURCE_ADDED, SOURCE_DISCOVERED, TokenEntry, TokenRegistry
from wallet_app.holdings.token_approval import build_approval_message, compute_eip191_digest
from wallet_app.holdings.token_detect import DetectedToken, TokenRefused, fetch_detected_token, fetch_detected_tokens
from wallet_app.holdings.token_discovery import TokenScanner
from wallet_app.holdings.token_spam import TokenActivity, compute_spam_reasons, join_reasons
from wallet_app.holdings.views import make_visible
from wallet_app.keys.signer import KeyKind

if TYPE_CHECKING:
    from wallet_app.keys.signer import Signer
    from wallet_app.keys.views import KeyView


class TokenKeys(Protocol):
    """The parts of `KeyService` an approval uses."""

    def load_keys(self) -> list[KeyView]: ...
    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None: ...
    def signer(self, address: str) -> Signer: ...
    def lock(self, address: str) -> None: ...


def build_token_json(token: TokenEntry) -> dict[str, Any]:
    return {
        "address": token.address, "standard": token.standard.value, "symbol": token.symbol, "name": token.name,
        "decimals": token.decimals, "role": token.role, "reviewed": token.verified, "source": token.source,
        "spam_reason": token.spam_reason, "reviewed_by": token.reviewed_by,
        "reviewed_at": token.reviewed_at.isoformat() if token.reviewed_at else None,
        "added_at": token.added_at.isoformat() if token.added_at else None,
    }


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    from_block: int
    head: int  # the last block read
    accounts: int  # how many of the profile's accounts were looked at
    contracts: int  # contracts that sent transfers to them, known or not
    added: tuple[TokenEntry, ...]  # new unreviewed tokens, spam flags included
    skipped: tuple[tuple[str, str], ...]  # (address, why): not a token Custos reads, or nothing of it reached us

    def to_json(self) -> dict[str, Any]:
        return {"from_block": self.from_block, "head": self.head, "accounts": self.accounts,
                "contracts": self.contracts, "added": [build_token_json(t) for t in self.added],
                "skipped": [{"address": a, "reason": r} for a, r in self.skipped]}


@dataclass(frozen=True, slots=True)
class TokenApproval:
    token: TokenEntry
    message: str  # what was signed (EIP-191)
    signature: bytes  # r || s || v, 65 bytes

    def to_json(self) -> dict[str, Any]:
        return {"token": build_token_json(self.token), "message": self.message,
                "signature": "0x" + self.signature.hex()}


class TokenService:
    def __init__(
        self,
        *,
        chain: ChainClient,
        chain_id: int,
        registry: TokenRegistry,
        keys: TokenKeys,
        load_accounts: Callable[[], list[Account]],
        scanner: TokenScanner | None = None,
    ) -> None:
        self._chain = chain
        self._chain_id = chain_id
        self._registry = registry
        self._keys = keys
        self._load_accounts = load_accounts
        self._scanner = scanner or TokenScanner(chain=chain)

    def load_tokens(self) -> list[TokenEntry]:
        """Every token of the registry with its review state and spam reason; no network."""
        return self._registry.load_tokens()

    def set_licensed(self, address: str, licensed: bool) -> TokenEntry:
        """A stablecoin marked as (not) a licensed issuer's: see `TokenRegistry.save_licensed`."""
        return self._registry.save_licensed(address, licensed)

    def load_signing_keys(self) -> list[KeyView]:
        """The profile's keys that can sign an approval (watch-only addresses cannot); no network."""
        return [k for k in self._keys.load_keys() if k.kind.secret_is_here]

    # -- adding -----------------------------------------------------------------------------------------------
    def add_token(self, address: str) -> TokenEntry:
        """Detect the token at `address` and record it unreviewed (source "added"), flagged when it looks like
        spam. Refused: a bad address, an address already in the registry, no contract, no standard Custos reads."""
        checksummed = to_checksum(address)
        self._registry.refuse_known(checksummed)  # before asking the chain anything
        detected = fetch_detected_token(self._chain, checksummed)
        return self._save(detected, SOURCE_ADDED, self._registry.load_tokens(), None)

    def discover_tokens(self, from_block: int = 0) -> DiscoveryResult:
        """Find the contracts that sent transfers to the profile's accounts since `from_block`, and record those the
        registry does not know and that are tokens, unreviewed (source "discovered") and flagged when spam."""
        if from_block < 0:
            raise ConfigError("The first block to read must be 0 or more")
        accounts = {a.address for a in self._load_accounts()}
        head = self._scanner.fetch_head()
        contracts = self._scanner.fetch_incoming_contracts(accounts, from_block, head)
        known = self._registry.load_tokens()
        known_addresses = {t.address for t in known}
        candidates = sorted(c for c in contracts if c not in known_addresses and c not in accounts)
        added: list[TokenEntry] = []
        skipped: list[tuple[str, str]] = []
        for address, outcome in fetch_detected_tokens(self._chain, candidates).items():
            if isinstance(outcome, TokenRefused):
                skipped.append((address, outcome.user_message))
                continue
            activity = self._scanner.fetch_activity(address, outcome.standard, accounts, from_block, head)
            if not activity.received:  # it emitted some other standard's event naming an account: not ours
                skipped.append((address, f"{address}: none of its {outcome.standard.value} transfer events reached "
                                         "the profile's accounts"))
                continue
            added.append(self._save(outcome, SOURCE_DISCOVERED, known, activity))
        return DiscoveryResult(from_block=from_block, head=head, accounts=len(accounts), contracts=len(contracts),
                               added=tuple(added), skipped=tuple(skipped))

    def _save(self, detected: DetectedToken, source: str, known: list[TokenEntry],
              activity: TokenActivity | None) -> TokenEntry:
        reasons = compute_spam_reasons(detected.address, detected.symbol, detected.name, known, activity)
        entry = TokenEntry(detected.address, detected.standard, detected.symbol, detected.name, detected.decimals,
                           verified=False, source=source, spam_reason=join_reasons(reasons))
        return self._registry.save_new_token(entry)

    # -- reviewing --------------------------------------------------------------------------------------------
    def approve_token(self, address: str, key: str, password: str) -> TokenApproval:
        """Approve an unreviewed token with a signature of one of the profile's keys, unlocked with `password`."""
        token = self._unreviewed(address)
        signer_address = self._signing_key(key)
        self._check_unchanged(token)
        message = build_approval_message(self._chain_id, token)
        digest = compute_eip191_digest(message)
        was_unlocked = any(k.address == signer_address and k.unlocked for k in self._keys.load_keys())
        self._keys.unlock(signer_address, password)  # the password is asked every time, unlocked or not
        try:
            signer = self._keys.signer(signer_address)
            signature = signer.sign_digest(digest)
            from wallet_app.keys.signature import recover_address

            if recover_address(digest, signature.r, signature.s, signature.recovery_id) != signer_address:
                raise SignerMismatch(f"The approval signature does not recover to {signer_address}; the token stays "
                                     "unreviewed")
            # The key signs the approval's audit entry too, in the registry's transaction, before it is locked.
            approved = self._registry.save_approval(token.address, reviewed_by=signer_address,
                                                    signature=signature.to_bytes(),
                                                    sign_entry=entry_signer(signer))
        finally:
            if not was_unlocked:
                self._keys.lock(signer_address)
        return TokenApproval(approved, message, signature.to_bytes())

    def remove_token(self, address: str) -> TokenEntry:
        """Remove an unreviewed token from the registry (reviewed ones are not removed here)."""
        return self._registry.delete_unreviewed(address)

    def _unreviewed(self, address: str) -> TokenEntry:
        token = self._registry.load_token(address)
        if token is None:
            raise ConfigError(f"{to_checksum(address)} is not in the token registry; add it first")
        if token.verified:
            raise ConfigError(f"{token.address} is already reviewed")
        return token

    def _signing_key(self, key: str) -> str:
        address = to_checksum(key)
        view = next((k for k in self._keys.load_keys() if k.address == address), None)
        if view is None:
            raise KeyNotFound(f"{address} is not one of this profile's keys")
        if view.kind is KeyKind.WATCH:
            raise WatchOnly(f"{view.label} is a watch-only address: it cannot sign an approval")
        return address

    def _check_unchanged(self, token: TokenEntry) -> None:
        """The token must still answer what was recorded: the approval pins it."""
        now = fetch_detected_token(self._chain, token.address)
        changes = []
        if now.standard is not token.standard:
            changes.append(f"its standard is now {now.standard.value}, not {token.standard.value}")
        if now.decimals != token.decimals:
            changes.append(f"its decimals are now {now.decimals}, not {token.decimals}")
        if now.symbol != token.symbol:
            changes.append(f"its symbol is now {make_visible(now.symbol)}, not {make_visible(token.symbol)}")
        if changes:
            raise ConfigError(f"{token.address} changed since it was recorded ({'; '.join(changes)}); remove it and "
                              "add it again to review what it says now")
