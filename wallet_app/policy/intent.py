"""What a Safe transaction does, decoded from its raw fields: a tree of frozen intents.

An intent is built only from the bytes that are hashed and signed (SC-1, SC-8). Anything the decoder could not read
cleanly is written into `problems` in plain words; a policy treats an intent with problems anywhere in its tree as
something it cannot allow. Amounts are exact integers in base units; addresses are EIP-55 checksummed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from wallet_app.domain.safe_tx import Operation
from wallet_app.holdings.model import Standard

UNLIMITED_THRESHOLD = 2**255  # an ERC-20 allowance this large is treated as unlimited (2**256-1 and its neighbours)
PERMIT2_UNLIMITED_THRESHOLD = 2**159  # Permit2 amounts are uint160; its "max" is 2**160-1


class Kind(Enum):
    NATIVE_TRANSFER = "native_transfer"
    TOKEN_TRANSFER = "token_transfer"  # noqa: S105 - a kind, not a password; ERC-20 transfer / transferFrom, Permit2 transferFrom
    NFT_TRANSFER = "nft_transfer"  # ERC-721 and ERC-1155 transfers, single and batch
    APPROVAL = "approval"  # approve, increaseAllowance, setApprovalForAll, EIP-2612 / DAI / Permit2 permits
    SAFE_GOVERNANCE = "safe_governance"  # a call to the vault itself: owners, threshold, modules, guard, handler
    OWNERSHIP_OR_UPGRADE = "ownership_or_upgrade"  # transferOwnership, upgradeTo(AndCall), changeAdmin, roles
    BATCH = "batch"  # MultiSend / MultiSendCallOnly; `children` are the inner calls in order
    DELEGATECALL = "delegatecall"  # DELEGATECALL to anything but a known MultiSend: runs foreign code as the vault
    USER_ABI_CALL = "user_abi_call"  # decoded with an ABI a user supplied; names only, never transfer semantics
    UNKNOWN_SELF_CALL = "unknown_self_call"  # a call to the vault itself that is not a known Safe function
    UNKNOWN_CALL = "unknown_call"  # a selector the decoder does not know, or arguments that do not decode cleanly
    REJECTION = "rejection"  # empty CALL of the vault to itself with no value: Safe's way to use up a nonce


@dataclass(frozen=True, slots=True)
class Arg:
    """One decoded argument, rendered as plain text (untrusted: the UI shows it as plain text)."""

    name: str
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Intent:
    kind: Kind
    target: str  # the `to` of this call
    operation: Operation
    value: int  # native value in wei sent with this call
    data: bytes  # the call data exactly as signed
    selector: bytes | None = None  # first four bytes of `data`; None when data is shorter
    function: str | None = None  # canonical signature of the decoded function, e.g. "transfer(address,uint256)"
    action: str | None = None  # short name: "transfer", "permit2.approve", "addOwnerWithThreshold", ...
    standard: Standard | None = None  # None where the calldata alone cannot tell (and the registry did not)
    asset: str | None = None  # token contract; None for the native coin
    amount: int | None = None  # base units (fungible) or the native value of a native transfer
    token_ids: tuple[int, ...] = ()
    amounts: tuple[int, ...] = ()  # one per token id: units of each (ERC-1155), 1 for ERC-721
    sender: str | None = None  # whose assets move (the vault for transfer(), `from` for transferFrom)
    recipient: str | None = None
    spender: str | None = None  # spender or operator of an approval
    owner: str | None = None  # whose allowance a permit sets
    subject: str | None = None  # governance / ownership: the owner, module, guard, handler or implementation
    threshold: int | None = None  # Safe owner threshold set by a governance call
    expiration: int | None = None  # permit deadline or Permit2 expiration (unix seconds)
    unlimited: bool = False  # approval of an unlimited amount, or of every token (setApprovalForAll true)
    args: tuple[Arg, ...] = ()
    children: tuple[Intent, ...] = ()
    problems: tuple[str, ...] = ()

    def walk(self) -> Iterator[Intent]:
        """This intent and every intent below it, depth first, in calldata order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def all_problems(self) -> tuple[str, ...]:
        return tuple(problem for node in self.walk() for problem in node.problems)

    @property
    def clean(self) -> bool:
        """True when nothing anywhere in the tree failed to decode or looked malformed."""
        return not self.all_problems()
