"""Is the bundle's header the chain's? Anchors a header to what the user trusts: a header file they give, every RPC
endpoint they name (all must agree, and the block must be final on each), or an OP Stack L2 output root from L1.

Fewer than two agreeing endpoints, or a block not yet final, leave the verdict valid but provisional (L2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eth_utils.crypto import keccak

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.proofs.bundle import Bundle, quantity
from wallet_app.proofs.checks import Checks, Proven
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.header import Header, check_block_json

if TYPE_CHECKING:
    from wallet_app.chain.client import ChainClient

MESSAGE_PASSER = "0x4200000000000000000000000000000000000016"  # OP Stack L2ToL1MessagePasser predeploy
OUTPUT_VERSION_V0 = bytes(32)


@dataclass(frozen=True)
class Anchors:
    header: Header | None = None  # a header the user gives and trusts
    endpoints: Sequence[ChainClient] = field(default_factory=tuple)
    output_root: bytes | None = None  # an L2 output root the user read from L1
    output_oracle: tuple[ChainClient, str] | None = None  # an L1 endpoint and the L2OutputOracle to ask there


def output_root_v0(state_root: bytes, message_passer_storage_root: bytes, block_hash: bytes) -> bytes:
    return keccak(OUTPUT_VERSION_V0 + state_root + message_passer_storage_root + block_hash)


def check_anchor(bundle: Bundle, header: Header, anchors: Anchors, checks: Checks,
                 proven: dict[str, Proven]) -> bool:
    """Adds the anchor checks; returns whether the verdict stays provisional."""
    anchored = False
    if anchors.header is not None:
        same = anchors.header.hash == header.hash
        checks.add("header file", same,
                   "the header you gave is this block" if same else
                   f"the header you gave is block {anchors.header.number} with hash 0x{anchors.header.hash.hex()}, "
                   f"not the bundle's 0x{header.hash.hex()}")
        anchored = same
    if anchors.output_root is not None:
        anchored = _check_output_root(header, anchors.output_root, checks, proven) or anchored
    if anchors.output_oracle is not None:
        anchored = _check_oracle(header, anchors.output_oracle, checks, proven) or anchored
    if anchors.endpoints:
        agreed, final = _check_endpoints(bundle, header, anchors.endpoints, checks)
        anchored = anchored or (agreed and final and len(anchors.endpoints) >= 2)
    if not (anchors.header or anchors.output_root or anchors.output_oracle or anchors.endpoints):
        checks.add("anchor", True, "no header source given: the proofs hold for this header, but nothing here shows "
                                   "the header is the chain's (provisional)")
    elif not anchored and checks.all_ok:
        checks.add("anchor", True, "provisional: fewer than two endpoints agree on a final block")
    return not anchored


def _check_endpoints(bundle: Bundle, header: Header, endpoints: Sequence[ChainClient],
                     checks: Checks) -> tuple[bool, bool]:
    agreed, final = True, True
    for client in endpoints:
        name = f"endpoint {client.endpoint}"
        try:
            chain_id = client.fetch_chain_id()
            reply = client.fetch_block_reply(header.number)
            theirs = check_block_json(reply)
            finalized = client.fetch_block_reply("finalized")
        except (ProofInvalid, UnusableInput) as exc:
            agreed = checks.add(name, False, f"sent a block that does not check: {exc.user_message}") and agreed
            continue
        except WalletError as exc:
            raise UnusableInput(f"could not ask {client.endpoint}: {exc.user_message}; nothing was decided") from None
        if chain_id != bundle.chain_id:
            agreed = checks.add(name, False, f"is on chain {chain_id}; the bundle is for chain {bundle.chain_id}")
            continue
        if theirs.hash != header.hash:
            agreed = checks.add(name, False, f"has block {header.number} with hash 0x{theirs.hash.hex()}, not the "
                                             f"bundle's 0x{header.hash.hex()}")
            continue
        final_number = _number(finalized)
        is_final = final_number is not None and final_number >= header.number
        final = final and is_final
        checks.add(name, True, f"has the same block {header.number} on chain {chain_id}" +
                   ("; it is final there" if is_final else
                    f"; not final there yet (finalized block {final_number})"))
    return agreed, final


def _number(reply: Mapping[str, object]) -> int | None:
    try:
        return quantity(reply.get("number"), "the finalized block's number")
    except UnusableInput:
        return None  # no usable finalized block: never taken as final


def _check_oracle(header: Header, oracle: tuple[ChainClient, str], checks: Checks,
                  proven: dict[str, Proven]) -> bool:
    from wallet_app.proofs.output_oracle import read_output

    l1, address = oracle
    output = read_output(l1, address, header.number)
    if output.l2_block != header.number:
        raise UnusableInput(f"the output oracle's first output at or after block {header.number} is for block "
                            f"{output.l2_block}: make the proof at that block (custos proof create --block "
                            f"{output.l2_block}) to anchor it")
    same = _check_output_root(header, output.root, checks, proven)
    if same and not output.final:
        checks.add("L2 output on L1", True, f"proposed on L1 at {output.proposed_at}, still within its "
                                            f"{output.period} s challenge period: provisional until it ends")
    elif same:
        checks.add("L2 output on L1", True, f"the output for block {header.number} at {address} on {l1.endpoint} "
                                            "is past its challenge period")
    return same and output.final


def _check_output_root(header: Header, expected: bytes, checks: Checks, proven: dict[str, Proven]) -> bool:
    passer = proven.get(to_checksum(MESSAGE_PASSER))
    if passer is None:
        checks.add("L2 output root", False, "the bundle has no valid proof of the L2ToL1MessagePasser "
                                            f"({MESSAGE_PASSER}), so its storage root cannot be known")
        return False
    root = output_root_v0(header.state_root, passer.account.storage_root, header.hash)
    same = root == expected
    checks.add("L2 output root", same,
               f"keccak256(version 0 ‖ state root ‖ message passer storage root 0x{passer.account.storage_root.hex()}"
               f" ‖ block hash) = 0x{root.hex()}" + (", the output root given" if same else
                                                    f", not the output root given 0x{expected.hex()}"))
    return same
