"""A transaction's intent as the policy in force reads it: the decoder opens a DELEGATECALL batch only for the
policy's pinned MultiSendCallOnly targets (the engine then checks their code hash)."""

from __future__ import annotations

from collections.abc import Mapping

from wallet_app.domain.safe_tx import SafeTx
from wallet_app.policy.decoder import decode_tx
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.intent import Intent
from wallet_app.policy.site import StandardOf
from wallet_app.policy.user_abis import UserAbi


def decode_for_policy(policy: PolicyDocument, tx: SafeTx, *, user_abis: Mapping[str, UserAbi] | None = None,
                      standard_of: StandardOf | None = None) -> Intent:
    """The intent of `tx` as the policy reads it: batches are opened only for the policy's pinned DELEGATECALL
    targets (the engine then checks their code hash)."""
    return decode_tx(tx, known_multisend=frozenset(p.address for p in policy.pinned_delegatecall),
                     user_abis=user_abis, standard_of=standard_of)
