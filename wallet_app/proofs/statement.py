"""A holding statement as a proof bundle: every holding of one account at one block, each backed by a claim that
`custos proof verify` checks, and the statement's own list held against those claims (L5: what is shown must be what
is proven).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from wallet_app.chain.client import ChainClient
from wallet_app.holdings.model import Holding, HoldingsSnapshot, Standard
from wallet_app.proofs.claims import Claim
from wallet_app.proofs.create import AlsoProve, Created, Target, create_bundle
from wallet_app.proofs.statement_check import STATEMENT_KIND


def statement_targets(snapshot: HoldingsSnapshot, account: str) -> list[tuple[Holding, Target]]:
    holdings = [h for h in snapshot.holdings if h.account == account and (h.balance or h.standard == Standard.NATIVE)]
    return [(h, Target(account, None if h.standard == Standard.NATIVE else h.asset, h.token_id)) for h in holdings]


def create_statement(chain: ChainClient, chain_id: int, network: str, snapshot: HoldingsSnapshot, account: str, *,
                     op_stack: bool, issued_at: datetime, also_prove: AlsoProve | None = None) -> Created:
    pairs = statement_targets(snapshot, account)
    by_target = {(t.asset or "native", t.token_id): h for h, t in pairs}

    def statement(claims: list[Claim], unproven: list[dict[str, str]]) -> dict[str, Any]:
        return {"statement": {
            "kind": STATEMENT_KIND,
            "id": str(uuid.uuid4()),
            "issued_at": issued_at.isoformat(),
            "account": account,
            "network": network,
            "holdings": [_holding_json(h) for h in by_target.values()],
            "unproven": unproven,
        }}

    return create_bundle(chain, chain_id, [t for _, t in pairs], block=snapshot.block_number, op_stack=op_stack,
                         created_at=issued_at, extra=statement, leave_out_unprovable=True,
                         also_prove=also_prove)


def _holding_json(h: Holding) -> dict[str, str]:
    return {"asset": h.asset, "standard": h.standard.value, "token_id": "" if h.token_id is None else str(h.token_id),
            "symbol": h.symbol, "balance": str(h.balance), "frozen": str(h.frozen)}
