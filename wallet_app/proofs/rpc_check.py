"""Check a node's raw replies with no network: an `eth_getBlockByNumber` result and `eth_getProof` results at that
block. The header must hash to its `hash`, and every account and storage proof must lead to its `stateRoot`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wallet_app.proofs.bundle import read_proof_reply
from wallet_app.proofs.checks import Checks, Verdict
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.header import check_block_json
from wallet_app.proofs.verify import check_proofs


def check_rpc_replies(block: Mapping[str, object], proofs: Sequence[Any]) -> Verdict:
    if not proofs:
        raise UnusableInput("the proof file holds no eth_getProof result")
    replies = tuple(read_proof_reply(p, f"proof {i + 1}") for i, p in enumerate(proofs))
    checks = Checks()
    try:
        header = check_block_json(block)
    except ProofInvalid as exc:
        checks.add("header", False, exc.user_message)
        return Verdict(False, False, tuple(checks.items), ())
    checks.add("header", True, f"block {header.number} ({header.fork} header): the fields hash to its hash "
                               f"0x{header.hash.hex()}; state root 0x{header.state_root.hex()}")
    proven = check_proofs(replies, header.state_root, checks)
    claims = [
        {"address": address, "exists": p.account.exists, "balance": str(p.account.balance),
         "nonce": str(p.account.nonce), "storage": {f"0x{slot:064x}": str(v) for slot, v in sorted(p.storage.items())}}
        for address, p in proven.items()
    ]
    # Not anchored: a reply checks against itself only; whether the block is the chain's is another question.
    return Verdict(checks.all_ok, checks.all_ok, tuple(checks.items), tuple(claims))
