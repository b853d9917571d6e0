"""Token calls: ERC-20, ERC-721 and ERC-1155 transfers and approvals, EIP-2612, DAI and Permit2 permits.

ERC-20 and ERC-721 share `transferFrom(address,address,uint256)` and `approve(address,uint256)`; the last argument
is an amount for one and a token id for the other. Only the token registry (`standard_of`) can tell them apart; when
it cannot, the intent keeps both readings and carries a problem instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from wallet_app.domain.units import MAX_UINT256
from wallet_app.holdings.model import Standard
from wallet_app.policy import selectors as s
from wallet_app.policy.intent import PERMIT2_UNLIMITED_THRESHOLD, UNLIMITED_THRESHOLD, Intent, Kind
from wallet_app.policy.site import Site
from wallet_app.policy.values import as_address, as_int, as_tuple, render_args

Values = tuple[object, ...]
Handler = Callable[[Site, s.Fn, Values], Intent]
FUNGIBLE = frozenset({Standard.ERC20, Standard.ERC3643})
NFT = frozenset({Standard.ERC721, Standard.ERC1155})


def decode_token_call(site: Site, fn: s.Fn, values: Values) -> Intent:
    return HANDLERS[fn.selector](site, fn, values)


def _base(site: Site, fn: s.Fn, values: Values, kind: Kind, problems: tuple[str, ...] = ()) -> Intent:
    return replace(site.intent(kind, fn, problems=problems), args=render_args(fn.arg_names, fn.types, values))


def _standard(site: Site, fn: s.Fn, token: str, allowed: frozenset[Standard],
              default: Standard | None) -> tuple[Standard | None, tuple[str, ...]]:
    """The registry's standard for `token` when it fits this function, else `default` and a problem."""
    known = site.standard_of(token)
    if known is None:
        return default, ()
    if known in allowed:
        return known, ()
    return default, (f"the token registry lists {token} as {known.value.upper()}, which has no {fn.signature}",)


def _ambiguous(token: str, fn: s.Fn) -> str:
    return (f"the standard of token {token} is not known: in {fn.name} the last argument is an amount for ERC-20 and "
            "a token id for ERC-721; add the token to the registry")


def _transfer(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, FUNGIBLE, Standard.ERC20)
    return replace(_base(site, fn, v, Kind.TOKEN_TRANSFER, problems), standard=standard, asset=site.target,
                   amount=as_int(v[1]), sender=site.safe, recipient=as_address(v[0]))


def _transfer_from(site: Site, fn: s.Fn, v: Values) -> Intent:
    known = site.standard_of(site.target)
    sender, recipient, number = as_address(v[0]), as_address(v[1]), as_int(v[2])
    if known in FUNGIBLE:
        return replace(_base(site, fn, v, Kind.TOKEN_TRANSFER), standard=known, asset=site.target, amount=number,
                       sender=sender, recipient=recipient)
    if known is Standard.ERC721:
        return replace(_base(site, fn, v, Kind.NFT_TRANSFER), standard=known, asset=site.target, token_ids=(number,),
                       amounts=(1,), sender=sender, recipient=recipient)
    problem = _ambiguous(site.target, fn) if known is None else (
        f"the token registry lists {site.target} as {known.value.upper()}, which has no {fn.signature}")
    return replace(_base(site, fn, v, Kind.TOKEN_TRANSFER, (problem,)), asset=site.target, amount=number,
                   token_ids=(number,), sender=sender, recipient=recipient)


def _approve(site: Site, fn: s.Fn, v: Values) -> Intent:
    known = site.standard_of(site.target)
    spender, number = as_address(v[0]), as_int(v[1])
    if known in FUNGIBLE:
        return replace(_base(site, fn, v, Kind.APPROVAL), standard=known, asset=site.target, spender=spender,
                       amount=number, unlimited=number >= UNLIMITED_THRESHOLD)
    if known is Standard.ERC721:
        return replace(_base(site, fn, v, Kind.APPROVAL), standard=known, asset=site.target, spender=spender,
                       token_ids=(number,), amounts=(1,))
    problem = _ambiguous(site.target, fn) if known is None else (
        f"the token registry lists {site.target} as {known.value.upper()}, which has no {fn.signature}")
    return replace(_base(site, fn, v, Kind.APPROVAL, (problem,)), asset=site.target, spender=spender, amount=number,
                   token_ids=(number,), unlimited=number >= UNLIMITED_THRESHOLD)


def _increase_allowance(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, FUNGIBLE, Standard.ERC20)
    amount = as_int(v[1])
    return replace(_base(site, fn, v, Kind.APPROVAL, problems), standard=standard, asset=site.target,
                   spender=as_address(v[0]), amount=amount, unlimited=amount >= UNLIMITED_THRESHOLD)


def _erc721_transfer(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, frozenset({Standard.ERC721}), Standard.ERC721)
    return replace(_base(site, fn, v, Kind.NFT_TRANSFER, problems), standard=standard, asset=site.target,
                   sender=as_address(v[0]), recipient=as_address(v[1]), token_ids=(as_int(v[2]),), amounts=(1,))


def _erc1155_transfer(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, frozenset({Standard.ERC1155}), Standard.ERC1155)
    return replace(_base(site, fn, v, Kind.NFT_TRANSFER, problems), standard=standard, asset=site.target,
                   sender=as_address(v[0]), recipient=as_address(v[1]), token_ids=(as_int(v[2]),),
                   amounts=(as_int(v[3]),))


def _erc1155_batch(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, frozenset({Standard.ERC1155}), Standard.ERC1155)
    ids = tuple(as_int(i) for i in as_tuple(v[2]))
    amounts = tuple(as_int(a) for a in as_tuple(v[3]))
    if len(ids) != len(amounts):
        problems += (f"{len(ids)} token ids but {len(amounts)} amounts: the token would refuse the batch",)
    return replace(_base(site, fn, v, Kind.NFT_TRANSFER, problems), standard=standard, asset=site.target,
                   sender=as_address(v[0]), recipient=as_address(v[1]), token_ids=ids, amounts=amounts)


def _approval_for_all(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, NFT, None)
    approved = v[1] is True
    return replace(_base(site, fn, v, Kind.APPROVAL, problems), standard=standard, asset=site.target,
                   spender=as_address(v[0]), unlimited=approved, amount=None if approved else 0)


def _eip2612_permit(site: Site, fn: s.Fn, v: Values) -> Intent:
    standard, problems = _standard(site, fn, site.target, FUNGIBLE, Standard.ERC20)
    amount = as_int(v[2])
    return replace(_base(site, fn, v, Kind.APPROVAL, problems), standard=standard, asset=site.target,
                   owner=as_address(v[0]), spender=as_address(v[1]), amount=amount, expiration=as_int(v[3]),
                   unlimited=amount >= UNLIMITED_THRESHOLD)


def _dai_permit(site: Site, fn: s.Fn, v: Values) -> Intent:
    """DAI's permit sets the allowance to 2**256-1 when `allowed`, to 0 otherwise; expiry 0 means never."""
    standard, problems = _standard(site, fn, site.target, FUNGIBLE, Standard.ERC20)
    allowed = v[4] is True
    return replace(_base(site, fn, v, Kind.APPROVAL, problems), action="permit (DAI)", standard=standard,
                   asset=site.target, owner=as_address(v[0]), spender=as_address(v[1]),
                   amount=MAX_UINT256 if allowed else 0, unlimited=allowed, expiration=as_int(v[3]) or None)


def _permit2_allowance(site: Site, fn: s.Fn, token: str, amount: int, expiration: int,
                       problems: tuple[str, ...] = ()) -> Intent:
    standard, more = _standard(site, fn, token, FUNGIBLE, Standard.ERC20)
    return replace(site.intent(Kind.APPROVAL, fn, problems=problems + more), action="permit2." + fn.name,
                   standard=standard, asset=token, amount=amount, expiration=expiration,
                   unlimited=amount >= PERMIT2_UNLIMITED_THRESHOLD)


def _permit2_approve(site: Site, fn: s.Fn, v: Values) -> Intent:
    one = _permit2_allowance(site, fn, as_address(v[0]), as_int(v[2]), as_int(v[3]))
    return replace(one, spender=as_address(v[1]), args=render_args(fn.arg_names, fn.types, v))


def _permit2_permit(site: Site, fn: s.Fn, v: Values) -> Intent:
    details, spender, _deadline = as_tuple(v[1])
    token, amount, expiration, _nonce = as_tuple(details)
    one = _permit2_allowance(site, fn, as_address(token), as_int(amount), as_int(expiration))
    return replace(one, owner=as_address(v[0]), spender=as_address(spender), args=render_args(fn.arg_names, fn.types,
                                                                                                v))


def _permit2_permit_batch(site: Site, fn: s.Fn, v: Values) -> Intent:
    """One approval per token, as children of the permit; the parent names owner and spender."""
    all_details, spender, _deadline = as_tuple(v[1])
    owner, spender_address = as_address(v[0]), as_address(spender)
    children = []
    for details in as_tuple(all_details):
        token, amount, expiration, _nonce = as_tuple(details)
        child = _permit2_allowance(site, fn, as_address(token), as_int(amount), as_int(expiration))
        children.append(replace(child, value=0, data=b"", selector=None, owner=owner, spender=spender_address))
    problems = () if children else ("a Permit2 batch permit with no tokens",)
    return replace(_base(site, fn, v, Kind.APPROVAL, problems), action="permit2.permitBatch", owner=owner,
                   spender=spender_address, unlimited=any(c.unlimited for c in children), children=tuple(children))


def _permit2_transfer_from(site: Site, fn: s.Fn, v: Values) -> Intent:
    token = as_address(v[3])
    standard, problems = _standard(site, fn, token, FUNGIBLE, Standard.ERC20)
    return replace(_base(site, fn, v, Kind.TOKEN_TRANSFER, problems), action="permit2.transferFrom",
                   standard=standard, asset=token, sender=as_address(v[0]), recipient=as_address(v[1]),
                   amount=as_int(v[2]))


HANDLERS: dict[bytes, Handler] = {
    s.TRANSFER.selector: _transfer,
    s.TRANSFER_FROM.selector: _transfer_from,
    s.APPROVE.selector: _approve,
    s.INCREASE_ALLOWANCE.selector: _increase_allowance,
    s.ERC721_SAFE_TRANSFER.selector: _erc721_transfer,
    s.ERC721_SAFE_TRANSFER_DATA.selector: _erc721_transfer,
    s.ERC1155_SAFE_TRANSFER.selector: _erc1155_transfer,
    s.ERC1155_BATCH_TRANSFER.selector: _erc1155_batch,
    s.SET_APPROVAL_FOR_ALL.selector: _approval_for_all,
    s.EIP2612_PERMIT.selector: _eip2612_permit,
    s.DAI_PERMIT.selector: _dai_permit,
    s.PERMIT2_APPROVE.selector: _permit2_approve,
    s.PERMIT2_PERMIT.selector: _permit2_permit,
    s.PERMIT2_PERMIT_BATCH.selector: _permit2_permit_batch,
    s.PERMIT2_TRANSFER_FROM.selector: _permit2_transfer_from,
}
if set(HANDLERS) != set(s.TOKEN_FUNCTIONS):
    raise RuntimeError("every token function needs exactly one handler")
