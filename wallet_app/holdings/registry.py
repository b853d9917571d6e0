"""The profile's token registry: which tokens the institution tracks, and whether an administrator reviewed them.

Rows entered by the demo seeding or an administrator are reviewed (`source` "registry"). Tokens an officer adds by
address (`source` "added") or that Custos discovers from Transfer events of the profile's accounts ("discovered")
stay unreviewed until an administrator approves them: the holdings show them apart, read their decimals from the
chain and never price them from a registry role. A token's identity is (chain id, address): adding an address that
is already in the registry is refused, never merged or overwritten. `spam_reason` says in plain words why Custos
takes a token for spam or a lookalike ("" when it does not); approving keeps it, as a record. With an `audit` log every
write appends its audit entry in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from wallet_app.audit import actions
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError
from wallet_app.holdings.model import Standard
from wallet_app.storage.schema import tokens

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog, Sign

NAV_FEED_ROLE = "nav-feed:"
STABLECOIN_ROLE = "stablecoin"
LICENSED_STABLECOIN_ROLE = "stablecoin:licensed"  # a licensed issuer's: every transfer falls under the Travel Rule
STABLECOIN_ROLES = (STABLECOIN_ROLE, LICENSED_STABLECOIN_ROLE)  # valued at a fixed 1:1 HKD rate
SOURCE_REGISTRY = "registry"
SOURCE_ADDED = "added"
SOURCE_DISCOVERED = "discovered"
UNREVIEWED_SOURCES = (SOURCE_ADDED, SOURCE_DISCOVERED)


@dataclass(frozen=True, slots=True)
class TokenEntry:
    address: str
    standard: Standard
    symbol: str  # as the token said it: untrusted text
    name: str  # untrusted text
    decimals: int
    role: str = ""
    verified: bool = True  # reviewed by an administrator
    source: str = SOURCE_REGISTRY  # registry, added, discovered
    spam_reason: str = ""  # plain language; "" when not flagged
    reviewed_by: str | None = None  # the address whose signature approved it
    reviewed_at: datetime | None = None
    added_at: datetime | None = None

    @property
    def stablecoin(self) -> bool:
        return self.role in STABLECOIN_ROLES

    @property
    def nav_feed(self) -> str | None:
        """The AggregatorV3 feed giving this token's NAV per unit in HKD, from a role "nav-feed:<address>"."""
        if not self.role.startswith(NAV_FEED_ROLE):
            return None
        try:
            return to_checksum(self.role[len(NAV_FEED_ROLE) :].strip())
        except ValueError:
            return None


class TokenRegistry:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain_id = chain_id
        self._audit = audit

    @property
    def chain_id(self) -> int:
        return self._chain_id

    def load_tokens(self) -> list[TokenEntry]:
        """Every token of the profile's chain, reviewed or not, by address."""
        query = select(tokens).where(tokens.c.chain_id == self._chain_id).order_by(tokens.c.address)
        with self._engine.connect() as conn:
            rows = list(conn.execute(query))
        entries = []
        for row in rows:
            try:
                standard = Standard(str(row.standard))
            except ValueError:
                continue  # a standard this version does not read; newer rows are left alone
            if standard is Standard.NATIVE:
                continue  # the native coin is always read, never from the registry
            entries.append(TokenEntry(
                to_checksum(str(row.address)), standard, str(row.symbol), str(row.name), int(row.decimals),
                str(row.role or ""), verified=bool(row.reviewed), source=str(row.source or SOURCE_REGISTRY),
                spam_reason=str(row.spam_reason or ""),
                reviewed_by=None if row.reviewed_by is None else str(row.reviewed_by),
                reviewed_at=_aware(row.reviewed_at), added_at=_aware(row.added_at),
            ))
        return entries

    def load_token(self, address: str) -> TokenEntry | None:
        wanted = to_checksum(address)
        return next((t for t in self.load_tokens() if t.address == wanted), None)

    def save_new_token(self, entry: TokenEntry, *, at: datetime | None = None) -> TokenEntry:
        """Record a token added by address or discovered: always unreviewed, never priced from a role. An address
        already in the registry (in any letter case) is refused, whatever it holds."""
        if entry.source not in UNREVIEWED_SOURCES:
            raise ValueError(f"a new token's source is one of {UNREVIEWED_SOURCES}, not {entry.source!r}")
        address = to_checksum(entry.address)
        self.refuse_known(address)
        added = at or datetime.now(UTC)
        row = {"chain_id": self._chain_id, "address": address, "standard": entry.standard.value,
               "symbol": entry.symbol, "name": entry.name, "decimals": entry.decimals, "role": "", "reviewed": False,
               "source": entry.source, "reviewed_by": None, "reviewed_at": None, "spam_reason": entry.spam_reason,
               "added_at": added}
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(tokens).values(**row))
                self._log(conn, actions.OPERATOR, actions.TOKEN_ADD, address, source=entry.source,
                          standard=entry.standard.value, symbol=entry.symbol, name=entry.name,
                          decimals=entry.decimals, spam_reason=entry.spam_reason)
        except IntegrityError:
            self.refuse_known(address)  # added meanwhile by another process
            raise
        saved = self.load_token(address)
        assert saved is not None
        return saved

    def refuse_known(self, address: str) -> None:
        """Raise ConfigError when `address` (in any letter case) is already in the registry."""
        known = next((t for t in self.load_tokens() if t.address.lower() == address.lower()), None)
        if known is not None:
            state = "reviewed" if known.verified else "unreviewed"
            raise ConfigError(f"{known.address} is already in the token registry ({state}, {known.source}); a token "
                              "is never added twice, merged or overwritten")

    def save_approval(self, address: str, *, reviewed_by: str, at: datetime | None = None,
                      signature: bytes | None = None, sign_entry: Sign | None = None) -> TokenEntry:
        """Mark an unreviewed token reviewed by `reviewed_by` (an address that signed the approval). Nothing else
        changes: its spam reason, metadata and source stay as recorded. The audit entry carries the approval's
        `signature` and, with `sign_entry` (the approver's key, still unlocked), the approver's signature over it."""
        checksummed = to_checksum(address)
        self._require_unreviewed(checksummed, "approved")
        when = at or datetime.now(UTC)
        query = (update(tokens)
                 .where(tokens.c.chain_id == self._chain_id, tokens.c.address == checksummed,
                        tokens.c.reviewed.is_(False))
                 .values(reviewed=True, reviewed_by=to_checksum(reviewed_by), reviewed_at=when))
        with self._engine.begin() as conn:
            if conn.execute(query).rowcount != 1:
                raise ConfigError(f"{checksummed} was approved or removed meanwhile; nothing changed")
            signed = {"action_signature": "0x" + signature.hex()} if signature else {}
            self._log(conn, to_checksum(reviewed_by), actions.TOKEN_APPROVE, checksummed, sign=sign_entry, **signed)
        saved = self.load_token(checksummed)
        assert saved is not None
        return saved

    def save_role(self, address: str, role: str, *, expected: str) -> TokenEntry:
        """Set a token's role to "nav-feed:<checksummed feed>" or "" (none), only while it still is `expected`
        (what the caller read and judged): a role changed meanwhile is not overwritten. Other roles ("stablecoin")
        are not written here."""
        if role and TokenEntry(address, Standard.ERC20, "", "", 0, role).nav_feed != role[len(NAV_FEED_ROLE):]:
            raise ValueError(f"a role written here is '' or {NAV_FEED_ROLE}<checksummed address>, not {role!r}")
        checksummed = to_checksum(address)
        query = (update(tokens)
                 .where(tokens.c.chain_id == self._chain_id, tokens.c.address == checksummed,
                        tokens.c.role == expected)
                 .values(role=role))
        with self._engine.begin() as conn:
            if conn.execute(query).rowcount != 1:
                raise ConfigError(f"{checksummed} is not in the token registry, or its role changed meanwhile; "
                                  "nothing changed")
            self._log(conn, actions.OPERATOR, actions.FEED_CHANGE, checksummed, change="token feed",
                      role_before=expected, role=role)
        saved = self.load_token(checksummed)
        assert saved is not None
        return saved

    def save_licensed(self, address: str, licensed: bool) -> TokenEntry:
        """Mark a stablecoin of the registry as a licensed issuer's (every transfer of it then carries Travel Rule
        data) or not. Only between the two stablecoin roles: it never changes how the token is valued."""
        checksummed = to_checksum(address)
        entry = self.load_token(checksummed)
        if entry is None or not entry.verified or not entry.stablecoin:
            raise ConfigError(f"{checksummed} is not a reviewed stablecoin of the token registry; nothing changed")
        role = LICENSED_STABLECOIN_ROLE if licensed else STABLECOIN_ROLE
        query = (update(tokens).where(tokens.c.chain_id == self._chain_id, tokens.c.address == checksummed,
                                      tokens.c.role == entry.role).values(role=role))
        with self._engine.begin() as conn:
            if conn.execute(query).rowcount != 1:
                raise ConfigError(f"{checksummed}'s role changed meanwhile; nothing changed")
            self._log(conn, actions.OPERATOR, actions.FEED_CHANGE, checksummed, change="stablecoin issuer licensed",
                      role_before=entry.role, role=role)
        saved = self.load_token(checksummed)
        assert saved is not None
        return saved

    def save_spam_reason(self, address: str, reason: str) -> None:
        """Flag a token as likely spam, in plain words (or clear the flag with "")."""
        checksummed = to_checksum(address)
        query = (update(tokens).where(tokens.c.chain_id == self._chain_id, tokens.c.address == checksummed)
                 .values(spam_reason=reason))
        with self._engine.begin() as conn:
            if conn.execute(query).rowcount != 1:
                raise ConfigError(f"{checksummed} is not in the token registry")
            self._log(conn, actions.OPERATOR, actions.TOKEN_FLAG, checksummed, spam_reason=reason)

    def delete_unreviewed(self, address: str) -> TokenEntry:
        """Remove a token that was never reviewed; reviewed tokens stay (their removal is an administrator's)."""
        checksummed = to_checksum(address)
        entry = self._require_unreviewed(checksummed, "removed")
        query = delete(tokens).where(tokens.c.chain_id == self._chain_id, tokens.c.address == checksummed,
                                     tokens.c.reviewed.is_(False))
        with self._engine.begin() as conn:
            if conn.execute(query).rowcount != 1:
                raise ConfigError(f"{checksummed} was approved or removed meanwhile; nothing changed")
            self._log(conn, actions.OPERATOR, actions.TOKEN_REMOVE, checksummed, standard=entry.standard.value,
                      symbol=entry.symbol, source=entry.source)
        return entry

    def _log(self, conn: Connection, actor: str, action: str, token: str, *, sign: Sign | None = None,
             **detail: Any) -> None:
        if self._audit is not None:
            self._audit.append(conn, actor=actor, action=action, subject=token, detail=detail, sign=sign)

    def _require_unreviewed(self, address: str, action: str) -> TokenEntry:
        entry = self.load_token(address)
        if entry is None:
            raise ConfigError(f"{address} is not in the token registry")
        if entry.verified:
            raise ConfigError(f"{address} is a reviewed token; only unreviewed tokens are {action} here")
        return entry


def _aware(value: object) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
