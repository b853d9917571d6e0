"""Make a proof bundle: pin one block, find and confirm every slot, ask the node for its proofs, keep its replies as
it sent them, and check the whole bundle before anyone sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ChainError
from wallet_app.holdings.model import STANDARD_NAMES, Standard
from wallet_app.holdings.token_detect import fetch_detected_token
from wallet_app.proofs.anchor import MESSAGE_PASSER, Anchors
from wallet_app.proofs.bundle import FORMAT, VERSION, read_bundle, read_proof_reply
from wallet_app.proofs.claims import FROZEN_AMOUNT, MULTI_TOKEN_BALANCE, NATIVE_BALANCE, NFT_OWNER, TOKEN_BALANCE, Claim
from wallet_app.proofs.errors import NotProvable, ProofInvalid
from wallet_app.proofs.header import Header, check_block_json
from wallet_app.proofs.locate import SlotFinder
from wallet_app.proofs.verify import verify_bundle

Extra = Callable[[list[Claim], list[dict[str, str]]], dict[str, Any]]  # more top-level fields, from the claims
AlsoProve = Callable[[int], dict[str, set[int]]]  # block number -> more slots to prove, by address


@dataclass(frozen=True, slots=True)
class Target:
    account: str
    asset: str | None = None  # None: the native coin
    token_id: int | None = None


@dataclass(slots=True)
class Plan:
    """The claims to make and the slots to prove, per address."""

    claims: list[Claim] = field(default_factory=list)
    slots: dict[str, set[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unproven: list[dict[str, str]] = field(default_factory=list)  # targets left out, each with the reason

    def prove(self, address: str, *slots: int) -> None:
        self.slots.setdefault(address, set()).update(slots)


@dataclass(frozen=True, slots=True)
class Created:
    bundle: dict[str, Any]
    header: Header
    notes: tuple[str, ...]  # plain words: what is in the bundle without a proof, and why
    unproven: tuple[dict[str, str], ...] = ()


def pin_block(chain: ChainClient, block: int | None) -> Header:
    try:
        return check_block_json(chain.fetch_block_reply("latest" if block is None else block))
    except ProofInvalid as exc:
        raise ProofInvalid(f"the node at {chain.endpoint} sent a block header that does not check: "
                           f"{exc.user_message}") from None


def plan_target(finder: SlotFinder, chain: ChainClient, target: Target, plan: Plan) -> None:
    account = to_checksum(target.account)
    if target.asset is None:
        if target.token_id is not None:
            raise NotProvable("--token-id needs --asset: the native coin has no token ids")
        plan.claims.append(Claim(NATIVE_BALANCE, account, "native", 0))  # amount filled in from the proof
        plan.prove(account)
        return
    asset = to_checksum(target.asset)
    standard = fetch_detected_token(chain, asset).standard
    if standard in (Standard.ERC721, Standard.ERC1155) and target.token_id is None:
        raise NotProvable(f"{asset} is an {STANDARD_NAMES[standard]} token: give --token-id")
    if standard in (Standard.ERC20, Standard.ERC3643) and target.token_id is not None:
        raise NotProvable(f"{asset} is an {STANDARD_NAMES[standard]} token: it has no token ids")
    if standard == Standard.ERC721:
        assert target.token_id is not None
        found = finder.nft_owner(asset, target.token_id)
        if found.value != int(account, 16):
            owner = to_checksum("0x" + found.value.to_bytes(20, "big").hex()) if found.value < 2**160 else "?"
            raise NotProvable(f"{account} does not own token {target.token_id} of {asset} at this block "
                              f"(its owner is {owner})")
        plan.claims.append(Claim(NFT_OWNER, account, asset, 1, target.token_id, "erc721", found.derivation))
        plan.prove(asset, found.derivation.slot)
    elif standard == Standard.ERC1155:
        assert target.token_id is not None
        found = finder.multi_balance(asset, account, target.token_id)
        plan.claims.append(Claim(MULTI_TOKEN_BALANCE, account, asset, found.value, target.token_id, "erc1155",
                                 found.derivation))
        plan.prove(asset, found.derivation.slot)
    else:
        balance, layout = finder.fungible_balance(asset, account)
        plan.claims.append(Claim(TOKEN_BALANCE, account, asset, balance.value, None, standard.value,
                                 balance.derivation))
        plan.prove(asset, balance.derivation.slot)
        if standard == Standard.ERC3643:
            frozen = finder.frozen_amount(asset, account, layout, balance.derivation.base)
            if frozen is None:
                plan.notes.append(f"{asset}: getFrozenTokens reports 0 for {account}; a zero frozen amount cannot be "
                                  "tied to a storage slot of this token's layout, so it is not claimed")
            else:
                plan.claims.append(Claim(FROZEN_AMOUNT, account, asset, frozen.value, None, standard.value,
                                         frozen.derivation))
                plan.prove(asset, frozen.derivation.slot)


def create_bundle(chain: ChainClient, chain_id: int, targets: Sequence[Target], *, block: int | None,
                  op_stack: bool, created_at: datetime, extra: Extra | None = None,
                  leave_out_unprovable: bool = False, also_prove: AlsoProve | None = None) -> Created:
    """One bundle proving every target at one block. A target that cannot be proven raises `NotProvable`, or, with
    `leave_out_unprovable` (a statement of many holdings), is listed in `unproven` with the reason. `also_prove`
    names more storage slots by address for the pinned block (a signing vault's owners and threshold)."""
    header = pin_block(chain, block)
    plan = Plan()
    finder = SlotFinder(chain, header.number)
    for target in targets:
        try:
            plan_target(finder, chain, target, plan)
        except NotProvable as exc:
            if not leave_out_unprovable:
                raise
            plan.unproven.append({"account": target.account, "asset": target.asset or "native",
                                  "token_id": "" if target.token_id is None else str(target.token_id),
                                  "reason": exc.user_message})
    if op_stack:
        plan.prove(to_checksum(MESSAGE_PASSER))
    for address, slots in (also_prove(header.number) if also_prove else {}).items():
        plan.prove(to_checksum(address), *slots)
    replies = {address: chain.fetch_proof_reply(address, sorted(slots), header.number)
               for address, slots in plan.slots.items()}
    if pin_block(chain, header.number).hash != header.hash:
        raise ChainError(f"the chain reorganised at block {header.number} while the proofs were read; try again")
    claims = [_with_native_balance(claim, replies) for claim in plan.claims]
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "chain_id": chain_id,
        "created_at": created_at.isoformat(),
        "block": {"number": header.number, "hash": "0x" + header.hash.hex(), "timestamp": header.timestamp,
                  "state_root": "0x" + header.state_root.hex(), "header_rlp": "0x" + header.rlp.hex()},
        "proofs": list(replies.values()),
        "claims": [claim.to_json() for claim in claims],
        "signatures": [],
        **(extra(plan.claims, plan.unproven) if extra else {}),
    }
    verdict = verify_bundle(read_bundle(bundle), Anchors())
    if not verdict.valid:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in verdict.checks if not c.ok)
        raise ProofInvalid(f"the node's proofs do not check, so no bundle was written: {failed}")
    return Created(bundle, header, tuple(plan.notes), tuple(plan.unproven))


def _with_native_balance(claim: Claim, replies: dict[str, dict[str, Any]]) -> Claim:
    if claim.kind != NATIVE_BALANCE:
        return claim
    balance = read_proof_reply(replies[claim.account], f"the node's proof of {claim.account}").balance
    return Claim(NATIVE_BALANCE, claim.account, "native", balance)

