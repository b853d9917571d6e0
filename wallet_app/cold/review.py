"""What the offline signer shows before a cold vault signs a transfer, worked out on that machine alone (issue 15, 3).

The online desktop sends the transfer as an ERC-4527 `eth-sign-request` of data type 4 (the unsigned EIP-1559
transaction, `wallet_app.domain.account_tx`) addressed to the cold vault, beside a `custos-check` in the account form
(`custos-account-check/1`) that carries the approvers' EIP-712 approvals. `review_cold_request` trusts none of it:

1. The request must be a typed transaction (type 4) on this signer's chain, addressed to a cold vault of this signer,
   and its bytes a canonical EIP-1559 transaction for that chain (`parse_unsigned`); otherwise it cannot even be
   shown (RequestRefused). Its derivation path means nothing for a cold vault and is ignored.
2. The signing hash is recomputed here; the check must name it, the vault, the chain and the nonce.
3. The policy is this signer's own, imported from a signed bundle: the check must have been made under the same
   digest, and the policy must name an account vault at this address. The approvals carried are verified against
   that vault's approvers (`count_approvals`, over this signer's own policy digest) and counted against its threshold.
4. The policy decides as for a Safe transaction (`wallet_app.offline.review`): the transaction's fields as the rules
   read a Safe's (`account_view`), the policy's approvers and threshold as owners and threshold, the counted
   approvers; once alone and once with the facts the online desktop carried. A denial either way, an online decision
   not reproduced, or approvals that do not meet what the rule asks, refuses.
5. The signature journal: a different transaction already signed at this vault's nonce refuses.

A review with refusals is shown with them and nothing is signed (`wallet_app.cold.signing.sign_cold`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from wallet_app.cold.approval import AccountApproval, ApprovalRefused, count_approvals
from wallet_app.cold.store import ColdStore, ColdVault
from wallet_app.domain.account_tx import AccountTx, AccountTxError, parse_unsigned
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.hex_text import chunk_hex, hex_text
from wallet_app.domain.units import format_units
from wallet_app.holdings.views import make_visible
from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.rendering import verdict_lines
from wallet_app.offline.review import RequestRefused, ReviewedVerdict, merge, policy_refusals
from wallet_app.offline.transport import ReadRequest
from wallet_app.policy.account_checks import account_view
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.engine import Decision, evaluate
from wallet_app.policy.facts import AddressBook, facts_from_safe_tx
from wallet_app.policy.intent_json import build_describer
from wallet_app.policy.policy_decoding import decode_for_policy
from wallet_app.policy.vault_section import PolicyVault
from wallet_app.policy.views import ActivePolicy
from wallet_app.safe.journal import SigningJournal
from wallet_app.ur.eth_requests import DATA_TYPE_TYPED_TRANSACTION
from wallet_app.ur.eth_types import EthSignRequest

KIND_ACCOUNT_TX = "account_tx"  # the signing journal's kind for an account vault's transaction
DEFAULT_NATIVE = ("HSK", 18)


@dataclass(frozen=True)
class ColdReview:
    request: EthSignRequest
    check: OnlineCheck | None  # None when the request carried no account check (then refused)
    vault: ColdVault
    policy_vault: PolicyVault | None  # the policy's [[vaults]] entry at this address (None: refused)
    tx: AccountTx
    signing_hash: bytes
    intent_text: str
    decision: Decision  # this machine's, with the carried facts
    verdicts: tuple[ReviewedVerdict, ...]
    approvals: tuple[str, ...]  # the approvers whose approvals verified here, in the policy's order
    names: Mapping[str, str]  # address -> how this signer's policy names it
    policy_version: int
    policy_digest: str
    native: tuple[str, int]
    refusals: tuple[str, ...] = field(default_factory=tuple)

    @property
    def can_sign(self) -> bool:
        return not self.refusals

    @property
    def online_block(self) -> int | None:
        return None if self.check is None else self.check.block_number

    @property
    def fee_cap(self) -> int:
        """The most the transaction can cost in fees: gas limit times maximum fee per gas, in wei."""
        return self.tx.gas * self.tx.max_fee_per_gas

    def named(self, address: str) -> str:
        name = self.names.get(address)
        return f"{name} ({address})" if name else address


def review_cold_request(read: ReadRequest, *, chain_id: int, store: ColdStore, policy: ActivePolicy,
                        denylist: frozenset[str] | None, journal: SigningJournal, now: datetime,
                        native: tuple[str, int] = DEFAULT_NATIVE) -> ColdReview:
    """The review of a cold vault's transfer request, or RequestRefused when it cannot even be shown (another data
    type or chain, no cold vault of this signer, bytes that are not a transaction Custos signs). `denylist`: the
    policy's denylist file as imported here; `native`: the chain's coin, to show the value and fee."""
    request = read.sign_request
    if request.data_type != DATA_TYPE_TYPED_TRANSACTION:
        raise RequestRefused(f"The request asks to sign data of type {request.data_type}; a cold vault signs a typed "
                             f"transaction (type {DATA_TYPE_TYPED_TRANSACTION}) only")
    if request.chain_id != chain_id:
        raise RequestRefused(f"The request is for chain {request.chain_id}; this signer signs for chain {chain_id}")
    if request.address is None:
        raise RequestRefused("The request names no cold vault (its address field is empty)")
    vault = store.find(to_checksum("0x" + request.address.hex()))
    if vault is None:
        raise RequestRefused(f"The request is for {to_checksum('0x' + request.address.hex())}, which is not a cold "
                             "vault of this offline signer")
    try:
        tx = parse_unsigned(request.sign_data)
    except AccountTxError as exc:
        raise RequestRefused(f"The request's transaction is refused: {exc.user_message}") from None
    if tx.chain_id != chain_id:
        raise RequestRefused(f"The transaction is for chain {tx.chain_id}; this signer signs for chain {chain_id}")
    signing_hash = tx.signing_hash()
    check = read.check if isinstance(read.check, OnlineCheck) and read.check.account else None
    refusals = _binding_refusals(read, check, vault.address, tx, signing_hash, chain_id)
    if check is not None and check.policy_digest != policy.digest:
        online = "with no policy in force" if check.policy_digest is None else \
            f"under policy version {check.policy_version} ({check.policy_digest})"
        refusals.append(f"The online desktop checked {online}; this signer holds version {policy.version} "
                        f"({policy.digest}): import the policy bundle of the version in force")
    document = policy.document
    entry = document.vault(vault.address)
    if entry is None or not entry.is_account:
        refusals.append(f"The policy on this signer (version {policy.version}) names no account vault at "
                        f"{vault.address} in its [[vaults]] section, so nobody may approve its transfers")
        entry = None
    names = _names(document, vault, tx.to)
    approvals: tuple[str, ...] = ()
    if entry is not None and check is not None:
        approvals, problem = _count(entry, check, tx, signing_hash, policy.digest, names)
        refusals += problem
    refusals += _journal_refusals(journal, chain_id, vault.address, tx, signing_hash)
    view = account_view(vault.address, tx)
    standard_of = check.facts.standard_of if check is not None else None
    intent = decode_for_policy(document, view, standard_of=standard_of)
    owners, threshold = (entry.approvers, entry.threshold) if entry is not None else ((), 1)
    base: dict[str, object] = {"proposer": check.proposer if check else None, "denylist": denylist,
                               "approvers": approvals, "address_book": AddressBook(dict(names))}
    alone = evaluate(document, facts_from_safe_tx(view, intent, now=now, owners=owners, threshold=threshold, **base))
    with_online = alone
    if check is not None:
        carried = check.facts.replay(now)
        del carried["denylist"]  # a policy file: this machine's own copy decides
        with_online = evaluate(document, facts_from_safe_tx(view, intent, now=now, owners=owners,
                                                            threshold=threshold, **base, **carried))
    verdicts = merge(alone.rules, with_online.rules)
    refusals += policy_refusals(verdicts, with_online, check)
    if entry is not None and len(approvals) >= entry.threshold and with_online.decision != "deny" and \
            not with_online.approvals_met:
        refusals.append(_rule_approvals_refusal(with_online, names))
    describe = build_describer(document, safe=vault.address, labels=names, token_facts={}, native=native)
    return ColdReview(request=request, check=check, vault=vault, policy_vault=entry, tx=tx, signing_hash=signing_hash,
                      intent_text=describe(intent), decision=with_online, verdicts=verdicts, approvals=approvals,
                      names=names, policy_version=policy.version, policy_digest=policy.digest, native=native,
                      refusals=tuple(refusals))


def _names(document: PolicyDocument, vault: ColdVault, recipient: str) -> dict[str, str]:
    """Labels for the vault, its approvers and the recipient as the policy names them, else the vault's label on this
    signer."""
    names: dict[str, str] = {}
    entry = document.vault(vault.address)
    for address in (vault.address, recipient, *(entry.approvers if entry is not None else ())):
        name = document.book.name(address)
        if name:
            names[address] = name
    names.setdefault(vault.address, vault.label or "cold vault")
    return names


def _binding_refusals(read: ReadRequest, check: OnlineCheck | None, vault: str, tx: AccountTx, signing_hash: bytes,
                      chain_id: int) -> list[str]:
    if check is None:
        if read.check is None:
            return ["The request carries no online check (custos-check): the facts that need the chain (simulation, "
                    "compliance, velocity) and the approvals were not checked, so Custos does not sign it"]
        return ["The online check that came with the request is not an account vault's check (custos-account-check): "
                "it carries no approvals, so Custos does not sign it"]
    out = []
    if check.safe_tx_hash != signing_hash:
        out.append(f"The online check names the signing hash 0x{check.safe_tx_hash.hex()}, but the transaction's "
                   f"bytes give 0x{signing_hash.hex()}: the transaction or the check was altered")
    if check.chain_id != chain_id or check.safe != vault or check.nonce != tx.nonce:
        out.append("The online check is about another chain, vault or nonce than the request's transaction")
    return out


def _count(entry: PolicyVault, check: OnlineCheck, tx: AccountTx, signing_hash: bytes, digest: str,
           names: Mapping[str, str]) -> tuple[tuple[str, ...], list[str]]:
    """The approvers whose approvals verify under this signer's policy, and the refusals about them."""
    approval = AccountApproval(chain_id=tx.chain_id, vault=entry.address, tx_hash=signing_hash, nonce=tx.nonce,
                               policy_digest=bytes.fromhex(digest.removeprefix("0x")))
    try:
        counted = count_approvals(entry, approval, check.approvals)
    except ApprovalRefused as exc:
        return (), [f"The approvals carried do not verify against this signer's policy: {exc.user_message} (an "
                    "approval of another transaction, nonce or policy version does not count)"]
    if len(counted) >= entry.threshold:
        return counted, []
    who = ", ".join(_label(a, names) for a in counted) or "none"
    missing = ", ".join(_label(a, names) for a in entry.approvers if a not in counted)
    return counted, [f"{len(counted)} of the {entry.threshold} approvals {entry.label} needs are carried (approved: "
                     f"{who}); {entry.threshold} of its {len(entry.approvers)} approvers must approve (not yet: "
                     f"{missing})"]


def _rule_approvals_refusal(decision: Decision, names: Mapping[str, str]) -> str:
    roles = f" ({', '.join(decision.required_roles)} among them)" if decision.required_roles else ""
    missing = f", and no approver holds the role {', '.join(decision.roles_missing)}" if decision.roles_missing else ""
    counted = ", ".join(_label(a, names) for a in decision.approvals_counted) or "none"
    return (f"The policy needs {decision.required_approvals} approvals from approvers other than the proposer{roles}; "
            f"{len(decision.approvals_counted)} count ({counted}){missing}")


def _journal_refusals(journal: SigningJournal, chain_id: int, vault: str, tx: AccountTx,
                      signing_hash: bytes) -> list[str]:
    other = [e for e in journal.signed_at(chain_id, vault, vault, tx.nonce) if e.digest != signing_hash]
    if other:
        return [f"This cold vault already signed 0x{other[0].digest.hex()} at nonce {tx.nonce}; Custos signs no other "
                "transaction at the same nonce (either signed transaction could then be broadcast)"]
    return []


def _label(address: str, names: Mapping[str, str]) -> str:
    name = names.get(address)
    return f"{name} ({address})" if name else address


def cold_review_lines(review: ColdReview) -> list[str]:
    """The review as the officers read it before they enter their shares: what moves, what it may cost, who approved,
    each verdict and where it was decided, and the signing hash to compare with the online screen."""
    symbol, decimals = review.native
    tx, vault = review.tx, review.vault
    active = vault.active
    entry = review.policy_vault
    lines = [
        f"Cold vault    {vault.label + ' ' if vault.label else ''}{vault.address} (share set {active.identifier}: "
        f"{active.threshold} of {active.share_count} shares, as recorded on this signer)",
        f"Chain id      {tx.chain_id}",
        f"Nonce         {tx.nonce}",
        "Transfer (decoded here):",
        *("  " + make_visible(line) for line in review.intent_text.split("\n")),
        f"To            {review.named(tx.to)}",
        f"Value         {format_units(tx.value, decimals)} {symbol} ({tx.value} wei)",
        f"Fee cap       {format_units(review.fee_cap, decimals)} {symbol} (gas limit {tx.gas:,} at a maximum "
        f"fee of {format_units(tx.max_fee_per_gas, 9)} gwei each; priority fee "
        f"{format_units(tx.max_priority_fee_per_gas, 9)} gwei)",
    ]
    if tx.data:
        lines.append(f"Data          {len(tx.data)} bytes, {hex_text(tx.data[:4])}…")
    if entry is not None:
        counted = ", ".join(review.named(a) for a in review.approvals) or "none"
        lines.append(f"Approvals     {len(review.approvals)} verified here of the {entry.threshold} of "
                     f"{len(entry.approvers)} approvers the policy needs: {make_visible(counted)}")
    lines += [f"{'signing hash':<13} {hex_text(review.signing_hash)}", f"{'':<13} {chunk_hex(review.signing_hash)}",
              f"Policy        version {review.policy_version} ({review.policy_digest}), as imported here",
              f"Decision      {review.decision.decision}"]
    lines += verdict_lines(review.verdicts, review.check, review.online_block)
    if review.refusals:
        return [*lines, "REFUSED:", *("  " + make_visible(r) for r in review.refusals)]
    return [*lines, "Compare the signing hash with the online screen (and, for large transfers, with a second person "
                    "or tool) before the officers enter their shares."]
