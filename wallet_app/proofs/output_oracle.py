"""An OP Stack L2 output root as published on L1 by an L2OutputOracle (Bedrock): the first output proposed at or
after an L2 block, and whether its challenge period is over (until then a challenger may still delete it)."""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.chain.client import ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.errors import CallReverted, WalletError
from wallet_app.proofs.errors import UnusableInput


@dataclass(frozen=True, slots=True)
class OracleOutput:
    root: bytes
    l2_block: int
    proposed_at: int  # L1 timestamp of the proposal
    final: bool  # the challenge period has passed at L1's latest block
    period: int  # the oracle's finalization period, seconds


def read_output(l1: ChainClient, oracle: str, l2_block: int) -> OracleOutput:
    try:
        reply = l1.call(oracle, build_call("getL2OutputAfter(uint256)", l2_block))
        period_reply = l1.call(oracle, build_call("finalizationPeriodSeconds()"))
        now = l1.fetch_block("latest").timestamp
    except CallReverted:
        raise UnusableInput(f"the output oracle {oracle} has no output at or after L2 block {l2_block} yet") from None
    except WalletError as exc:
        raise UnusableInput(f"could not ask the output oracle {oracle} on {l1.endpoint}: {exc.user_message}") from None
    if len(reply) != 96 or len(period_reply) != 32:
        raise UnusableInput(f"{oracle} does not answer as an L2OutputOracle (getL2OutputAfter, "
                            "finalizationPeriodSeconds)")
    proposed_at = int.from_bytes(reply[32:64], "big")
    period = int.from_bytes(period_reply, "big")
    return OracleOutput(reply[:32], int.from_bytes(reply[64:96], "big"), proposed_at, now >= proposed_at + period,
                        period)
