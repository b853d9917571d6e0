"""Calls that change who controls something: the vault's own settings (a call whose target is the vault itself) and
the ownership, roles or implementation of another contract (SC-3)."""

from __future__ import annotations

from dataclasses import replace

from wallet_app.domain.safe_tx import Operation
from wallet_app.policy import selectors as s
from wallet_app.policy.abi_strict import NonCanonical, decode_strict
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.site import Site
from wallet_app.policy.values import as_address, as_int, render_args

# Which argument of a Safe function names the address acted upon, and which sets the threshold.
_SAFE_SUBJECT = {"owner", "newOwner", "module", "guard", "moduleGuard", "handler", "masterCopy", "verifier"}


def decode_self_call(site: Site) -> Intent:
    """A call from the vault to itself: only the Safe's own functions are known; anything else is flagged."""
    if not site.data:
        if site.value == 0 and site.operation is Operation.CALL:
            return site.intent(Kind.REJECTION)
        return replace(site.intent(Kind.NATIVE_TRANSFER), amount=site.value, sender=site.safe, recipient=site.safe)
    fn = s.SAFE_FUNCTIONS.get(site.data[:4]) if len(site.data) >= 4 else None
    if fn is None:
        return site.intent(Kind.UNKNOWN_SELF_CALL, problems=(
            "a call to the vault itself with a function the decoder does not know",))
    try:
        values = decode_strict(fn.types, site.data[4:])
    except NonCanonical as exc:
        return site.intent(Kind.UNKNOWN_SELF_CALL, problems=(f"{fn.signature} to the vault itself, but {exc}",))
    intent = replace(site.intent(Kind.SAFE_GOVERNANCE, fn), args=render_args(fn.arg_names, fn.types, values))
    named = dict(zip(fn.arg_names, values, strict=True))
    subject = next((as_address(named[n]) for n in fn.arg_names if n in _SAFE_SUBJECT), None)
    threshold = as_int(named["threshold"]) if "threshold" in named and fn is not s.SETUP else None
    problems = (s.SUSPICIOUS_SELF_CALLS[fn.selector],) if fn.selector in s.SUSPICIOUS_SELF_CALLS else ()
    return replace(intent, subject=subject, threshold=threshold, problems=problems)


def decode_ownership_call(site: Site, fn: s.Fn, values: tuple[object, ...]) -> Intent:
    named = dict(zip(fn.arg_names, values, strict=True))
    subject = next((as_address(named[n]) for n in fn.arg_names if n in s.OWNERSHIP_SUBJECT), None)
    return replace(site.intent(Kind.OWNERSHIP_OR_UPGRADE, fn), subject=subject,
                   args=render_args(fn.arg_names, fn.types, values))
