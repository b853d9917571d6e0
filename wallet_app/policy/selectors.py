"""The functions the decoder knows, by signature. Selectors are computed with keccak when this module loads, never
typed in as hex; a unit test cross-checks a few against their published values."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_abi.grammar import TupleType, normalize, parse

from wallet_app.domain.abi import selector as compute_selector
from wallet_app.policy.abi_strict import type_text


@dataclass(frozen=True, slots=True)
class Fn:
    signature: str  # canonical: "transfer(address,uint256)"
    arg_names: tuple[str, ...]
    types: tuple[str, ...] = field(init=False)
    selector: bytes = field(init=False)

    def __post_init__(self) -> None:
        types = split_params(self.signature.split("(", 1)[1][:-1])
        if self.signature != self.name + "(" + ",".join(types) + ")" or len(types) != len(self.arg_names):
            raise ValueError(f"not a canonical signature with named arguments: {self.signature}")
        object.__setattr__(self, "types", types)
        object.__setattr__(self, "selector", compute_selector(self.signature))

    @property
    def name(self) -> str:
        return self.signature.split("(", 1)[0]


def split_params(params: str) -> tuple[str, ...]:
    """Canonical type strings of a comma-separated parameter list such as "address,(uint256,bytes)[]"."""
    if not params:
        return ()
    parsed = parse(normalize("(" + params + ")"))  # type: ignore[no-untyped-call]
    if not isinstance(parsed, TupleType):
        raise ValueError(f"not a parameter list: {params[:80]}")
    return tuple(type_text(c) for c in parsed.components)


def fn(signature: str, *arg_names: str) -> Fn:
    return Fn(signature, arg_names)


def table(*fns: Fn) -> dict[bytes, Fn]:
    """Selector -> function; two functions with one selector is a programming error caught at import."""
    out: dict[bytes, Fn] = {}
    for f in fns:
        if f.selector in out:
            raise ValueError(f"selector clash: {f.signature} and {out[f.selector].signature}")
        out[f.selector] = f
    return out


# Tokens. ERC-20 and ERC-721 share transferFrom and approve: the same selector, told apart only by the token.
TRANSFER = fn("transfer(address,uint256)", "to", "amount")
TRANSFER_FROM = fn("transferFrom(address,address,uint256)", "from", "to", "amountOrTokenId")
APPROVE = fn("approve(address,uint256)", "spender", "amountOrTokenId")
INCREASE_ALLOWANCE = fn("increaseAllowance(address,uint256)", "spender", "addedValue")
ERC721_SAFE_TRANSFER = fn("safeTransferFrom(address,address,uint256)", "from", "to", "tokenId")
ERC721_SAFE_TRANSFER_DATA = fn("safeTransferFrom(address,address,uint256,bytes)", "from", "to", "tokenId", "data")
ERC1155_SAFE_TRANSFER = fn(
    "safeTransferFrom(address,address,uint256,uint256,bytes)", "from", "to", "id", "amount", "data"
)
ERC1155_BATCH_TRANSFER = fn(
    "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)", "from", "to", "ids", "amounts", "data"
)
SET_APPROVAL_FOR_ALL = fn("setApprovalForAll(address,bool)", "operator", "approved")
EIP2612_PERMIT = fn(
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
    "owner", "spender", "value", "deadline", "v", "r", "s",
)
DAI_PERMIT = fn(
    "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
    "holder", "spender", "nonce", "expiry", "allowed", "v", "r", "s",
)
PERMIT2_APPROVE = fn("approve(address,address,uint160,uint48)", "token", "spender", "amount", "expiration")
PERMIT2_PERMIT = fn(
    "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)", "owner", "permitSingle", "signature"
)
PERMIT2_PERMIT_BATCH = fn(
    "permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)", "owner", "permitBatch", "signature"
)
PERMIT2_TRANSFER_FROM = fn("transferFrom(address,address,uint160,address)", "from", "to", "amount", "token")

# Ownership, access control and proxy upgrades of other contracts (Radiant: transferOwnership, then an upgrade).
OWNERSHIP = (
    fn("transferOwnership(address)", "newOwner"),
    fn("renounceOwnership()"),
    fn("acceptOwnership()"),
    fn("setOwner(address)", "newOwner"),
    fn("upgradeTo(address)", "newImplementation"),
    fn("upgradeToAndCall(address,bytes)", "newImplementation", "data"),
    fn("setImplementation(address)", "newImplementation"),
    fn("changeAdmin(address)", "newAdmin"),
    fn("upgrade(address,address)", "proxy", "implementation"),
    fn("upgradeAndCall(address,address,bytes)", "proxy", "implementation", "data"),
    fn("changeProxyAdmin(address,address)", "proxy", "newAdmin"),
    fn("grantRole(bytes32,address)", "role", "account"),
    fn("revokeRole(bytes32,address)", "role", "account"),
    fn("renounceRole(bytes32,address)", "role", "account"),
)
# The argument that names who or what takes over.
OWNERSHIP_SUBJECT = {"newOwner", "newImplementation", "implementation", "newAdmin", "account"}

MULTI_SEND = fn("multiSend(bytes)", "transactions")

# The Safe's own functions, decoded only when a call's target is the vault itself.
ADD_OWNER = fn("addOwnerWithThreshold(address,uint256)", "owner", "threshold")
REMOVE_OWNER = fn("removeOwner(address,address,uint256)", "prevOwner", "owner", "threshold")
SWAP_OWNER = fn("swapOwner(address,address,address)", "prevOwner", "oldOwner", "newOwner")
CHANGE_THRESHOLD = fn("changeThreshold(uint256)", "threshold")
ENABLE_MODULE = fn("enableModule(address)", "module")
DISABLE_MODULE = fn("disableModule(address,address)", "prevModule", "module")
SET_GUARD = fn("setGuard(address)", "guard")
SET_MODULE_GUARD = fn("setModuleGuard(address)", "moduleGuard")
SET_FALLBACK_HANDLER = fn("setFallbackHandler(address)", "handler")
CHANGE_MASTER_COPY = fn("changeMasterCopy(address)", "masterCopy")  # Safe <= 1.2.0: replaces the implementation
APPROVE_HASH = fn("approveHash(bytes32)", "hashToApprove")
SETUP = fn(
    "setup(address[],uint256,address,bytes,address,address,uint256,address)",
    "owners", "threshold", "to", "data", "fallbackHandler", "paymentToken", "payment", "paymentReceiver",
)
EXEC_TRANSACTION = fn(
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
    "to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver",
    "signatures",
)
EXEC_FROM_MODULE = fn("execTransactionFromModule(address,uint256,bytes,uint8)", "to", "value", "data", "operation")
EXEC_FROM_MODULE_RETURN = fn(
    "execTransactionFromModuleReturnData(address,uint256,bytes,uint8)", "to", "value", "data", "operation"
)
# ExtensibleFallbackHandler (Safe 1.4.1+): reached through the vault's fallback, only the vault may call these.
FALLBACK_GOVERNANCE = (
    fn("setSafeMethod(bytes4,bytes32)", "selector", "method"),
    fn("setDomainVerifier(bytes32,address)", "domainSeparator", "verifier"),
    fn("setSupportedInterface(bytes4,bool)", "interfaceId", "supported"),
    fn("addSupportedInterfaceBatch(bytes4,bytes32[])", "interfaceId", "handlerWithSelectors"),
    fn("removeSupportedInterfaceBatch(bytes4,bytes4[])", "interfaceId", "selectors"),
)
# Calls to the vault itself that never belong in a normal transaction: decoded, and flagged as problems.
SUSPICIOUS_SELF_CALLS = {
    SETUP.selector: "setup on a vault that is already set up: it would revert, and asking for it is suspicious",
    EXEC_TRANSACTION.selector: "the vault executing another vault transaction on itself (nested execTransaction)",
    EXEC_FROM_MODULE.selector: "execTransactionFromModule is for modules; the vault calling it on itself is abnormal",
    EXEC_FROM_MODULE_RETURN.selector: "execTransactionFromModuleReturnData is for modules; the vault calling it on "
    "itself is abnormal",
}

TOKEN_FUNCTIONS = table(
    TRANSFER, TRANSFER_FROM, APPROVE, INCREASE_ALLOWANCE, ERC721_SAFE_TRANSFER, ERC721_SAFE_TRANSFER_DATA,
    ERC1155_SAFE_TRANSFER, ERC1155_BATCH_TRANSFER, SET_APPROVAL_FOR_ALL, EIP2612_PERMIT, DAI_PERMIT, PERMIT2_APPROVE,
    PERMIT2_PERMIT, PERMIT2_PERMIT_BATCH, PERMIT2_TRANSFER_FROM,
)
OWNERSHIP_FUNCTIONS = table(*OWNERSHIP)
SAFE_FUNCTIONS = table(
    ADD_OWNER, REMOVE_OWNER, SWAP_OWNER, CHANGE_THRESHOLD, ENABLE_MODULE, DISABLE_MODULE, SET_GUARD, SET_MODULE_GUARD,
    SET_FALLBACK_HANDLER, CHANGE_MASTER_COPY, APPROVE_HASH, SETUP, EXEC_TRANSACTION, EXEC_FROM_MODULE,
    EXEC_FROM_MODULE_RETURN, *FALLBACK_GOVERNANCE,
)
# Everything decoded for a target other than the vault; the union must be clash-free too.
EXTERNAL_FUNCTIONS = table(*TOKEN_FUNCTIONS.values(), *OWNERSHIP_FUNCTIONS.values(), MULTI_SEND)
