"""One plain-English line per intent ("transfer 1,000,000.00 HKDH from Client Vault to Cheung Kong Securities"),
batches as a header and indented, numbered children. Names and symbols are untrusted text, returned as given: the UI
shows them as plain text. Addresses without a name are written in full, never shortened (B7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from wallet_app.domain.units import format_units
from wallet_app.holdings.model import Standard
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.selectors import EXTERNAL_FUNCTIONS, SAFE_FUNCTIONS

NameFor = Callable[[str], str | None]
TokenFacts = Callable[[str], tuple[str, int] | None]
INDENT = "  "
ZERO = "0x0000000000000000000000000000000000000000"


def describe_intent(intent: Intent, *, name_for: NameFor, token_facts: TokenFacts,
                    native: tuple[str, int] = ("ETH", 18)) -> str:
    """`native` is the chain's coin as (symbol, decimals), e.g. ("HSK", 18)."""
    return "\n".join(_Describer(name_for, token_facts, native).lines(intent, 0))


def format_amount(value: int, decimals: int) -> str:
    """Exact, grouped, with at least two decimals where the asset has them: 1,000,000.00; 0.000001."""
    text = format_units(value, decimals)
    if decimals >= 2:
        whole, _, frac = text.partition(".")
        text = f"{whole}.{frac.ljust(2, '0')}"
    return text


class _Describer:
    def __init__(self, name_for: NameFor, token_facts: TokenFacts, native: tuple[str, int]) -> None:
        self._name_for = name_for
        self._facts = token_facts
        self._native = native

    def lines(self, intent: Intent, depth: int) -> list[str]:
        pad = INDENT * depth
        out = [pad + self.line(intent)]
        for number, child in enumerate(intent.children, start=1):
            child_lines = self.lines(child, depth + 1)
            child_lines[0] = f"{INDENT * (depth + 1)}{number}. {child_lines[0].lstrip()}"
            out += child_lines
        out += [f"{pad}{INDENT}problem: {p}" for p in intent.problems]
        return out

    def name(self, address: str | None) -> str:
        if address is None:
            return "(none)"
        return self._name_for(address) or address

    def money(self, asset: str | None, amount: int | None) -> str:
        if amount is None:
            return "an unknown amount"
        if asset is None:
            symbol, decimals = self._native
            return f"{format_amount(amount, decimals)} {symbol}"
        facts = self._facts(asset)
        if facts is None:
            return f"{amount:,} base units of token {self.name(asset)}"
        return f"{format_amount(amount, facts[1])} {facts[0]}"

    def token(self, asset: str | None) -> str:
        facts = self._facts(asset) if asset else None
        return facts[0] if facts else f"token {self.name(asset)}"

    def line(self, i: Intent) -> str:
        text = _LINES[i.kind](self, i)
        if i.value and i.kind is not Kind.NATIVE_TRANSFER:
            text += f", and sends {self.money(None, i.value)} with the call"
        return text

    def native_transfer(self, i: Intent) -> str:
        return f"send {self.money(None, i.amount)} from {self.name(i.sender)} to {self.name(i.recipient)}"

    def token_transfer(self, i: Intent) -> str:
        if i.standard is None:
            return (f"transferFrom on {self.token(i.asset)}: {i.amount} (an amount or a token id; the standard is "
                    f"unknown) from {self.name(i.sender)} to {self.name(i.recipient)}")
        via = " through Permit2" if i.action == "permit2.transferFrom" else ""
        return f"transfer {self.money(i.asset, i.amount)} from {self.name(i.sender)} to {self.name(i.recipient)}{via}"

    def nft_transfer(self, i: Intent) -> str:
        if i.standard is Standard.ERC721:
            items = ", ".join(f"#{t}" for t in i.token_ids)
        else:
            items = ", ".join(f"{a:,} of id {t}" for t, a in zip(i.token_ids, i.amounts, strict=False))
        return f"transfer {self.token(i.asset)} {items} from {self.name(i.sender)} to {self.name(i.recipient)}"

    def approval(self, i: Intent) -> str:
        if i.children:
            return f"Permit2 permit by {self.name(i.owner)} for {len(i.children)} tokens to {self.name(i.spender)}:"
        spender, until = self.name(i.spender), _until(i.expiration)
        how = {"permit": " by EIP-2612 permit", "permit (DAI)": " by DAI permit", "permit2.approve": " through Permit2",
               "permit2.permit": " by Permit2 permit"}.get(i.action or "", "")
        owner = f" of {self.name(i.owner)}" if i.owner else ""
        if i.action == "setApprovalForAll":
            if not i.unlimited:
                return f"revoke {spender} as operator of all {self.token(i.asset)}"
            return f"approve {spender} as operator of ALL {self.token(i.asset)} (every token, unlimited)"
        if i.unlimited:
            return f"approve UNLIMITED {self.token(i.asset)}{owner} to {spender}{how}{until}"
        if i.token_ids and i.standard is Standard.ERC721:
            return f"approve {spender} to move {self.token(i.asset)} #{i.token_ids[0]}"
        if i.amount == 0:
            return f"revoke the {self.token(i.asset)} allowance{owner} of {spender}{how}"
        verb = "increase the allowance of" if i.action == "increaseAllowance" else "approve"
        what = self.money(i.asset, i.amount)
        if i.standard is None:
            what = f"{i.amount} (an amount or a token id; the standard is unknown) of {self.token(i.asset)}"
        if verb == "approve":
            return f"approve {what}{owner} to {spender}{how}{until}"
        return f"{verb} {spender} by {what}"

    def governance(self, i: Intent) -> str:
        return f"VAULT GOVERNANCE on {self.name(i.target)}: {_governance_phrase(self, i)}"

    def ownership(self, i: Intent) -> str:
        args = ", ".join(f"{a.name}={self.name(a.value) if a.type == 'address' else a.value}" for a in i.args)
        return f"OWNERSHIP / UPGRADE on {self.name(i.target)}: {i.action}({args})"

    def batch(self, i: Intent) -> str:
        count = len(i.children)
        return f"batch of {count} call{'s' if count != 1 else ''} through {self.name(i.target)}:"

    def delegatecall(self, i: Intent) -> str:
        selector = f" with selector 0x{i.selector.hex()}" if i.selector else ""
        return (f"DELEGATECALL to {self.name(i.target)}{selector}: runs that contract's code as the vault, with the "
                "vault's storage and funds")

    def user_abi_call(self, i: Intent) -> str:
        args = ", ".join(f"{a.name}={a.value}" for a in i.args)
        return f"call {i.action}({args}) on {self.name(i.target)} (named by a user-supplied ABI)"

    def unknown(self, i: Intent) -> str:
        where = "the vault itself" if i.kind is Kind.UNKNOWN_SELF_CALL else self.name(i.target)
        known = EXTERNAL_FUNCTIONS.get(i.selector or b"") or SAFE_FUNCTIONS.get(i.selector or b"")
        selector = f"0x{i.selector.hex()}" if i.selector else "no selector"
        hint = f", the selector of {known.signature}" if known else ""
        return f"unknown call to {where}: {selector}{hint}, {len(i.data)} bytes of data"

    def rejection(self, i: Intent) -> str:
        return f"reject: an empty transaction from {self.name(i.target)} to itself, which only uses up its nonce"


def _governance_phrase(d: _Describer, i: Intent) -> str:
    subject = d.name(i.subject)
    threshold = f" and set the threshold to {i.threshold}" if i.threshold is not None else ""
    phrases = {
        "addOwnerWithThreshold": f"add owner {subject}{threshold}",
        "removeOwner": f"remove owner {subject}{threshold}",
        "changeThreshold": f"change the threshold to {i.threshold}",
        "enableModule": f"enable module {subject} (a module can move funds without the owners)",
        "disableModule": f"disable module {subject}",
        "setGuard": "remove the transaction guard" if i.subject == ZERO else f"set the transaction guard to {subject}",
        "setModuleGuard": "remove the module guard" if i.subject == ZERO else f"set the module guard to {subject}",
        "setFallbackHandler": f"set the fallback handler to {subject}",
        "changeMasterCopy": f"REPLACE THE VAULT'S IMPLEMENTATION with {subject}",
    }
    if i.action == "swapOwner":
        old = next((a.value for a in i.args if a.name == "oldOwner"), "?")
        return f"replace owner {d.name(old)} with {subject}"
    return phrases.get(i.action or "", f"{i.action}({', '.join(a.value for a in i.args)})")


def _until(expiration: int | None) -> str:
    if not expiration:
        return ""
    try:
        return f" until {datetime.fromtimestamp(expiration, UTC):%Y-%m-%d %H:%M} UTC"
    except (OverflowError, OSError, ValueError):
        return f" until timestamp {expiration}"


_LINES: dict[Kind, Callable[[_Describer, Intent], str]] = {
    Kind.NATIVE_TRANSFER: _Describer.native_transfer,
    Kind.TOKEN_TRANSFER: _Describer.token_transfer,
    Kind.NFT_TRANSFER: _Describer.nft_transfer,
    Kind.APPROVAL: _Describer.approval,
    Kind.SAFE_GOVERNANCE: _Describer.governance,
    Kind.OWNERSHIP_OR_UPGRADE: _Describer.ownership,
    Kind.BATCH: _Describer.batch,
    Kind.DELEGATECALL: _Describer.delegatecall,
    Kind.USER_ABI_CALL: _Describer.user_abi_call,
    Kind.UNKNOWN_SELF_CALL: _Describer.unknown,
    Kind.UNKNOWN_CALL: _Describer.unknown,
    Kind.REJECTION: _Describer.rejection,
}
