"""decode_safe_tx: what a Safe transaction does, from the raw fields that are hashed and signed.

Order of decisions for one call:
1. DELEGATECALL runs the target's code as the vault. Only a multiSend to a known MultiSend / MultiSendCallOnly is
   opened as a batch; anything else is a `delegatecall` intent (the Bybit payload) that a policy denies.
2. A call to the vault itself is read with the Safe's own ABI (governance), and nothing else.
3. Empty data is a native transfer. Otherwise the selector is looked up among the known token, ownership and
   multiSend functions, then in the user-supplied ABI of the target; an unknown selector is an unknown call.
A known selector whose arguments are not the canonical encoding is an unknown call with a problem, never a guess.
The decoder raises only for the caller's own mistakes (DecoderInputError, InvalidAddress), never on calldata.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from wallet_app.domain.safe_tx import Operation, SafeTx
from wallet_app.domain.units import MAX_UINT256
from wallet_app.policy import selectors as s
from wallet_app.policy.abi_strict import NonCanonical, decode_strict
from wallet_app.policy.errors import DecoderInputError
from wallet_app.policy.governance_calls import decode_ownership_call, decode_self_call
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.multisend import MAX_CALLS, parse_packed
from wallet_app.policy.site import Site, StandardOf, no_standard
from wallet_app.policy.tokens import decode_token_call
from wallet_app.policy.user_abis import UserAbi
from wallet_app.policy.values import checksum, render_args

MAX_DEPTH = 4  # batches inside batches; deeper nesting is not opened
KnownMultiSend = Collection[str] | Callable[[str], bool]


def decode_safe_tx(
    to: str,
    value: int,
    data: bytes | bytearray | memoryview,
    operation: int,
    *,
    safe_address: str,
    known_multisend: KnownMultiSend = (),
    user_abis: Mapping[str, UserAbi] | None = None,
    standard_of: StandardOf | None = None,
) -> Intent:
    """Decode one Safe transaction. `known_multisend` holds the MultiSend / MultiSendCallOnly addresses pinned for
    this chain (or answers for an address); `user_abis` maps checksummed addresses to user-supplied ABIs;
    `standard_of` tells a token's standard from the registry (it separates ERC-20 from ERC-721 transferFrom)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecoderInputError("call data must be bytes")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT256:
        raise DecoderInputError("a transaction value is a whole number of wei from 0 to 2**256-1")
    if isinstance(operation, bool) or operation not in (0, 1):
        raise DecoderInputError("operation is 0 (CALL) or 1 (DELEGATECALL)")
    decoder = _Decoder(checksum(safe_address), _pinned(known_multisend), user_abis or {},
                       standard_of or no_standard)
    return decoder.call(checksum(to), value, bytes(data), Operation(operation), depth=0)


def decode_tx(tx: SafeTx, *, known_multisend: KnownMultiSend = (), user_abis: Mapping[str, UserAbi] | None = None,
              standard_of: StandardOf | None = None) -> Intent:
    """decode_safe_tx on the fields of a SafeTx (the gas and refund fields are the policy's to check)."""
    return decode_safe_tx(tx.to, tx.value, tx.data, int(tx.operation), safe_address=tx.safe,
                          known_multisend=known_multisend, user_abis=user_abis, standard_of=standard_of)


def _pinned(known: KnownMultiSend) -> Callable[[str], bool]:
    if callable(known):
        return known
    pinned = frozenset(checksum(address) for address in known)
    return pinned.__contains__


class _Decoder:
    def __init__(self, safe: str, is_multisend: Callable[[str], bool], user_abis: Mapping[str, UserAbi],
                 standard_of: StandardOf) -> None:
        self._safe = safe
        self._is_multisend = is_multisend
        self._user_abis = user_abis
        self._standard_of = standard_of
        self._calls = 0

    def call(self, to: str, value: int, data: bytes, operation: Operation, *, depth: int) -> Intent:
        site = Site(self._safe, to, operation, value, data, self._standard_of)
        if operation is Operation.DELEGATECALL:
            intent = self._delegatecall(site, depth)
            if value:
                intent = replace(intent, problems=(*intent.problems, f"value {value} on a DELEGATECALL: no value is "
                                                   "sent, so the transaction is not what it says"))
            return intent
        if to == self._safe:
            return decode_self_call(site)
        if not data:
            return replace(site.intent(Kind.NATIVE_TRANSFER), amount=value, sender=self._safe, recipient=to)
        if len(data) < 4:
            return site.intent(Kind.UNKNOWN_CALL, problems=(f"call data of {len(data)} bytes is shorter than a "
                                                            "4-byte function selector",))
        fn = s.EXTERNAL_FUNCTIONS.get(data[:4])
        if fn is s.MULTI_SEND and self._is_multisend(to):
            return self._batch(site, depth, ("MultiSend called with CALL instead of DELEGATECALL: its calls would "
                                             "come from the MultiSend contract, not from the vault",))
        if fn is not None and fn is not s.MULTI_SEND:
            return self._known(site, fn)
        return self._by_user_abi(site)

    def _known(self, site: Site, fn: s.Fn) -> Intent:
        try:
            values = decode_strict(fn.types, site.data[4:])
        except NonCanonical as exc:
            return site.intent(Kind.UNKNOWN_CALL, problems=(f"the selector is {fn.signature}, but {exc}",))
        if fn.selector in s.TOKEN_FUNCTIONS:
            return decode_token_call(site, fn, values)
        return decode_ownership_call(site, fn, values)

    def _by_user_abi(self, site: Site) -> Intent:
        abi = self._user_abis.get(site.target)
        function = abi.find(site.data[:4]) if abi is not None else None
        if function is None:
            return site.intent(Kind.UNKNOWN_CALL)
        try:
            values = decode_strict(function.input_types, site.data[4:])
        except NonCanonical as exc:
            return site.intent(Kind.UNKNOWN_CALL, problems=(
                f"the user-supplied ABI names this {function.signature}, but {exc}",))
        return replace(site.intent(Kind.USER_ABI_CALL), function=function.signature, action=function.name,
                       args=render_args(function.input_names, function.input_types, values))

    def _delegatecall(self, site: Site, depth: int) -> Intent:
        to_multisend = self._is_multisend(site.target)
        if to_multisend and site.data[:4] == s.MULTI_SEND.selector:
            return self._batch(site, depth)
        problems = ("DELEGATECALL to a MultiSend contract with something other than multiSend",) if to_multisend else ()
        return site.intent(Kind.DELEGATECALL, problems=problems)

    def _batch(self, site: Site, depth: int, problems: tuple[str, ...] = ()) -> Intent:
        if depth >= MAX_DEPTH:
            return site.intent(Kind.UNKNOWN_CALL, problems=(
                f"batches nested more than {MAX_DEPTH} deep: this one is not decoded",))
        try:
            (transactions,) = decode_strict(s.MULTI_SEND.types, site.data[4:])
        except NonCanonical as exc:
            return site.intent(Kind.UNKNOWN_CALL, problems=(f"the selector is {s.MULTI_SEND.signature}, but {exc}",))
        assert isinstance(transactions, bytes)
        packed = parse_packed(transactions, budget=MAX_CALLS - self._calls)
        self._calls += len(packed.calls)
        children = [self.call(c.to, c.value, c.data, Operation(c.operation), depth=depth + 1) for c in packed.calls]
        if packed.problem is not None:
            problems += (packed.problem,)
            children.append(replace(site.intent(Kind.UNKNOWN_CALL), value=0, data=packed.rest, selector=None,
                                    problems=(f"{len(packed.rest)} bytes of the batch after call {len(packed.calls)} "
                                              "were not decoded",)))
        elif not packed.calls:
            problems += ("a batch with no calls",)
        return replace(site.intent(Kind.BATCH, s.MULTI_SEND), children=tuple(children), problems=problems)
