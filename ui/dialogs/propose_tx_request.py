"""From what the propose dialog's forms hold to what the core is asked: the kinds of transaction that can be proposed,
the amount's verdict against what the vault has available, the "all available" amount, the `CheckRequest` built by
the core's pure builders (`wallet_app.queue.builders`) for a transfer, a batch or an owner change, and that request as
proposing will check it (for the policy's preview).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ui.models.queue_propose import AssetOption, Verdict, parse_token_id
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.dialogs.propose_tx_forms import OwnerChangeForm, TransferForm

TRANSFER, BATCH, OWNERS = "transfer", "batch", "owners"
KINDS = ((TRANSFER, "Transfer"), (BATCH, "Batch of transfers"), (OWNERS, "Owner change"))


def amount_verdict(option: AssetOption | None, amount_text: str, token_id_text: str) -> Verdict | None:
    """The amount against what the vault has available (None while nothing is typed)."""
    from wallet_app.queue.builders import check_amount_within_balance, parse_amount

    if option is None or not amount_text.strip():
        return None
    try:
        amount = parse_amount(amount_text, option.decimals, symbol=option.symbol)
    except WalletError as exc:
        return Verdict("bad", exc.user_message, None, True)
    try:
        token_id = parse_token_id(token_id_text)
    except ValueError as exc:
        return Verdict("bad", str(exc), None, True)
    available = option.available_for(token_id)
    if available is None:
        if option.needs_token_id and token_id is None:
            return Verdict("warn", "Give the token id to check the amount against what the vault holds.", None)
        return Verdict("warn", "The balance could not be read, so the amount is not checked against it.", None)
    verdict = check_amount_within_balance(amount, available, decimals=option.decimals, symbol=option.symbol)
    if not verdict.within:
        return Verdict("bad", verdict.message + ": refused.", None, True)
    from wallet_app.domain.units import format_units

    left = format_units(available - amount, option.decimals)
    return Verdict("good", f"Within what is available; {left} {option.symbol} left after it.", None)


def available_amount_text(option: AssetOption | None, token_id_text: str) -> str | None:
    """All that is available of the asset (of the typed token id), as an amount to type; None when there is none."""
    from wallet_app.domain.units import format_units

    if option is None:
        return None
    try:
        token_id = parse_token_id(token_id_text)
    except ValueError:
        token_id = None
    available = option.available_for(token_id)
    if available:
        return format_units(available, option.decimals, group=False)
    return None


def build_proposal_request(kind: str, *, info: Any, tokens: Sequence[Any], option: AssetOption | None,
                           transfer: TransferForm, owners: OwnerChangeForm, calls: Sequence[Any],
                           multisend: str | None, native_decimals: int, nonce: int | None,
                           for_batch_line: bool = False) -> Any:
    """The CheckRequest for `kind` from the forms (WalletError/ValueError with words when it cannot be built).
    With `for_batch_line`, the transfer form's transfer alone, to add to a batch."""
    from wallet_app.queue.builders import BatchCall, ProposalInputError, build_batch, build_transfer

    if kind in (TRANSFER, BATCH) and (kind == TRANSFER or for_batch_line):
        if option is None:
            raise ProposalInputError("Choose an asset (the vault's balances are still being read)")
        by_address = {t.address: t for t in tokens}
        return build_transfer(safe=info.address, asset=option.key, amount=transfer.amount.text(),
                              to=transfer.recipient.text(), token_id=parse_token_id(transfer.token_id.text()),
                              tokens=by_address, native_decimals=native_decimals, nonce=nonce)
    if kind == BATCH:
        if not multisend:
            raise ProposalInputError("The policy pins no MultiSendCallOnly contract, so no batch can be built")
        batch_calls: list[BatchCall] = list(calls)
        return build_batch(safe=info.address, calls=batch_calls, multisend=multisend, nonce=nonce)
    return owner_change_request(info, owners, nonce)


def owner_change_request(info: Any, form: OwnerChangeForm, nonce: int | None) -> Any:
    """The CheckRequest for the owner change the form holds (a call of the vault to itself)."""
    from wallet_app.queue.builders import OwnerChange, build_owner_change

    change_kind = form.kind.currentData()
    threshold = form.threshold.value()
    if change_kind == "add":
        change = OwnerChange.add(form.new_owner.text(), threshold)
    elif change_kind == "remove":
        change = OwnerChange.remove(str(form.owner.currentData() or ""), threshold)
    elif change_kind == "swap":
        change = OwnerChange.swap(str(form.owner.currentData() or ""), form.new_owner.text())
    else:
        change = OwnerChange.set_threshold(threshold)
    return build_owner_change(vault=info, change=change, nonce=nonce)


def preview_request(request: Any, proposer: str | None, next_nonce: int | None) -> Any:
    """The request as proposing will check it: by the chosen proposer, at the next free nonce when none is chosen."""
    request = replace(request, proposer=proposer) if proposer else request
    if request.nonce is None and next_nonce is not None:
        request = replace(request, nonce=next_nonce)  # as proposing will choose it
    return request
