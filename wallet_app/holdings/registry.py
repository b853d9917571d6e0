"""The profile's token registry: which tokens the institution tracks, as its administrators entered them.

Every row of the `tokens` table was put there by the demo seeding or by an administrator, so it counts as a verified
token. Design note for later work: tokens that Custos discovers on its own (an incoming Transfer of an unknown
contract) or that an officer adds without review are to carry `verified=False`, so that the holdings table can show
them apart and never price them from a registry hint; this needs a `reviewed` column in the `tokens` table, which
the token-discovery work adds with its migration. Until then `load_tokens` marks every row verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.model import Standard
from wallet_app.storage.schema import tokens

NAV_FEED_ROLE = "nav-feed:"
STABLECOIN_ROLE = "stablecoin"


@dataclass(frozen=True, slots=True)
class TokenEntry:
    address: str
    standard: Standard
    symbol: str
    name: str
    decimals: int
    role: str = ""
    verified: bool = True

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
    def __init__(self, *, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def load_tokens(self) -> list[TokenEntry]:
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
            entries.append(TokenEntry(to_checksum(str(row.address)), standard, str(row.symbol), str(row.name),
                                      int(row.decimals), str(row.role or ""), verified=True))
        return entries
