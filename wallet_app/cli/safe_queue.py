"""`custos safe propose|queue|approve|reject|execute|import-signature`: the approval queue from the command line.

- `safe propose --safe ADDRESS --asset (native|TOKEN_ADDRESS) --amount DECIMAL --to ADDRESS [--token-id N]
  [--nonce N] --key ADDRESS --password-file F` builds the transfer, checks it under the policy in force and queues
  it, the proposal record signed by the key. It prints `safe_tx_hash`, `nonce`, `decision`, `reasons`, `queued` and
  `state` (with --json also the policy's full answer and the queued item). Exit 0 when it was queued (the decision
  allows it, or escalates it: it waits for more approvals); a transaction the policy denies is not queued: the
  decision is printed and the command exits 1, as `custos policy check` does for a deny.
- `safe queue [--safe ADDRESS]` lists the items, verified now (an item whose chain transaction was sent is followed
  first, so its state is current): `safe_tx_hash`, `safe`, `nonce`, `state`, `valid_signatures`, `threshold` and the
  rest of `QueueEntry.to_json`; in text, grouped by vault and nonce, with conflicts (two proposals at one nonce, never
  chosen between), gaps, quarantined items and flagged signature rows ("2 valid of 5 rows").
- `safe approve|reject|execute SAFE_TX_HASH --key ADDRESS --password-file F`: approve signs the safeTxHash Custos
  recomputes from the stored fields; reject queues the on-chain rejection at the same nonce (and approves it when
  the key is an owner) and prints it; execute sends execTransaction from the key and prints the chain transaction
  hash and the final state (exit 1 when the Safe reports ExecutionFailure).
- `safe import-signature SAFE_TX_HASH --signature HEX [--owner ADDRESS]`: a co-signer's signature made elsewhere,
  stored only when it verifies for the item against the vault's owners now.

Every command takes --json. Bad input (a malformed hash, address or amount, an unknown token, a used nonce, a wrong
password, a signature that does not verify) exits 1 with one line on stderr starting "custos: error:", nothing on
stdout, and nothing changed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from wallet_app.cli.common import (
    Commands,
    fail,
    print_json,
    print_lines,
    read_secret_file,
    visible_lines,
    with_services,
)
from wallet_app.cli.policy_text import check_lines
from wallet_app.cli.tx_options import ExitOneParser, parse_uint
from wallet_app.domain.hex_text import chunk_hex
from wallet_app.errors import ConfigError, WalletError

if TYPE_CHECKING:
    from wallet_app.compliance.travel_rule import TravelRuleRecord
    from wallet_app.queue.views import ExecutionResult, ProposalResult, QueueEntry
    from wallet_app.services import Services

T = TypeVar("T")
_SAFE_TX_HASH = re.compile(r"0x[0-9a-f]{64}")
PROPOSE_EPILOG = ("exit codes: 0 queued (the policy allows it, or escalates it to more approvals), 1 denied by the "
                  "policy (its decision on stdout, nothing queued); an error (bad input, a used nonce, a wrong "
                  "password, no node) also exits 1, with one line on stderr starting 'custos: error:' and nothing "
                  "on stdout")
EXECUTE_EPILOG = ("exit codes: 0 sent (final, or mined or broadcast while confirmations are awaited), 1 when the Safe "
                  "reported ExecutionFailure (the result on stdout); an error exits 1 with one line on stderr "
                  "starting 'custos: error:' and nothing on stdout")


def register(actions: Commands[ExitOneParser]) -> None:
    propose = actions.add_parser(
        "propose", help="propose a transfer from a vault: checked under the policy and queued for approval",
        description="Build a transfer of the native coin or a token from a vault, check it under the policy in force "
                    "and queue it with the vault's next free nonce (or --nonce); the proposal record is signed by "
                    "--key.", epilog=PROPOSE_EPILOG)
    propose.add_argument("--safe", required=True, metavar="ADDRESS", help="the vault that sends")
    propose.add_argument("--asset", required=True, metavar="native|TOKEN_ADDRESS",
                         help="'native' for the native coin, or the address of a token of the profile's registry")
    propose.add_argument("--amount", required=True, metavar="DECIMAL",
                         help="in the asset's units, such as 1250.50 (1 for an ERC-721 token)")
    propose.add_argument("--to", required=True, metavar="ADDRESS", help="the recipient")
    propose.add_argument("--token-id", default=None, metavar="N", help="the token id (ERC-721 and ERC-1155 only)")
    propose.add_argument("--nonce", default=None, metavar="N",
                         help="the vault's nonce for it (default: the next one nothing in the queue uses)")
    _key_arguments(propose, "the profile's key proposing it (it signs the proposal record)")
    propose.add_argument("--travel-rule", type=Path, default=None, metavar="FILE.json",
                         help="the originator and beneficiary information (IVMS 101 JSON, see `custos travel-rule "
                              "template`), required when the Travel Rule applies to the transfer")
    propose.add_argument("--json", action="store_true", help="print JSON")
    propose.set_defaults(handler=_safe_propose)

    queue = actions.add_parser("queue", help="the approval queue, verified now: states, signatures, conflicts, gaps")
    queue.add_argument("--safe", default=None, metavar="ADDRESS", help="only this vault's items")
    queue.add_argument("--json", action="store_true", help="print JSON")
    queue.set_defaults(handler=_safe_queue)

    approve = actions.add_parser("approve", help="approve a queued transaction or Safe message: sign its safeTxHash "
                                                 "or SafeMessage hash with a key")
    approve.add_argument("safe_tx_hash", metavar="HASH", help="a transaction's safeTxHash or a message's SafeMessage "
                                                            "hash, as `custos safe queue` prints it")
    _key_arguments(approve, "an owner's key of this profile")
    approve.add_argument("--json", action="store_true", help="print JSON")
    approve.set_defaults(handler=_safe_approve)

    reject = actions.add_parser("reject", help="reject a queued transaction by an on-chain rejection at its nonce")
    reject.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    _key_arguments(reject, "the profile's key rejecting it (an owner's key also approves the rejection)")
    reject.add_argument("--json", action="store_true", help="print JSON")
    reject.set_defaults(handler=_safe_reject)

    execute = actions.add_parser("execute", help="execute a transaction that has its signatures: send "
                                                 "execTransaction and follow it to the final state",
                                 epilog=EXECUTE_EPILOG)
    execute.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    _key_arguments(execute, "the profile's key that sends execTransaction and pays its gas")
    execute.add_argument("--json", action="store_true", help="print JSON")
    execute.set_defaults(handler=_safe_execute)

    imported = actions.add_parser("import-signature", help="add a co-signer's signature made elsewhere (verified "
                                                           "before it is stored)")
    imported.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    imported.add_argument("--signature", required=True, metavar="HEX", help="65 bytes as 0x and 130 hex digits")
    imported.add_argument("--owner", default=None, metavar="ADDRESS",
                          help="the owner who signed (required for an EIP-1271 contract signature's check)")
    imported.add_argument("--json", action="store_true", help="print JSON")
    imported.set_defaults(handler=_safe_import_signature)

    transaction = actions.add_parser(
        "import", help="queue a Safe transaction made elsewhere (a JSON file) with the signatures it carries",
        description="Queue a Safe transaction from a JSON file: Custos's own form (safe_tx, as `custos safe queue "
                    "--json` prints an item) or the Safe Transaction Service's (camelCase fields, confirmations). "
                    "The fields are checked strictly, a stated safeTxHash must be the one Custos computes, the "
                    "policy decides as for any proposal, and each signature is stored only when it verifies.")
    transaction.add_argument("file", type=Path, metavar="FILE", help="the transaction, JSON")
    _key_arguments(transaction, "the officer importing it: signs the proposal record")
    transaction.add_argument("--travel-rule", type=Path, default=None, metavar="FILE.json",
                             help="the originator and beneficiary information (IVMS 101 JSON, see `custos "
                                  "travel-rule template`), required when the Travel Rule applies to the transfer")
    transaction.add_argument("--json", action="store_true", help="print JSON")
    transaction.set_defaults(handler=_safe_import)


def _key_arguments(parser: argparse.ArgumentParser, key_help: str) -> None:
    parser.add_argument("--key", required=True, metavar="ADDRESS", help=key_help)
    parser.add_argument("--password-file", type=Path, required=True, metavar="F", help="the key's password (or PIN)")


# -- plumbing ---------------------------------------------------------------------------------------------------------

def _address(text: str, flag: str) -> str:
    from wallet_app.policy.check_request import check_address

    return check_address(text, flag)


def _hash(text: str) -> str:
    value = text.strip(" \t").lower()
    if not _SAFE_TX_HASH.fullmatch(value):
        shown = text.strip().encode("unicode_escape").decode("ascii")[:80]
        raise ConfigError(f"'{shown}' is not a safeTxHash or SafeMessage hash: 0x and 64 hex digits, as "
                          "`custos safe queue` prints it")
    return value


def read_travel_rule(path: Path | None) -> dict[str, Any] | None:
    """The IVMS 101 payload of --travel-rule, parsed (checked against the transfer when proposing)."""
    if path is None:
        return None
    from wallet_app.compliance.ivms import parse_payload

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the Travel Rule file {path}: {getattr(exc, 'strerror', None) or exc}") \
            from None
    return parse_payload(text)


def _signing_inputs(args: argparse.Namespace) -> tuple[str, str]:
    return _address(args.key, "--key"), read_secret_file(args.password_file, "password")


def _chunked(name: str, hex_text: str | None) -> list[str]:
    if not hex_text:
        return []
    return [f"{name:<13} {hex_text}", f"{'':<13} {chunk_hex(bytes.fromhex(hex_text[2:]))}"]


# -- propose ----------------------------------------------------------------------------------------------------------

def _safe_propose(args: argparse.Namespace) -> int:
    from wallet_app.queue.builders import build_transfer

    try:
        safe = _address(args.safe, "--safe")
        recipient = _address(args.to, "--to")
        token_id = None if args.token_id is None else parse_uint(args.token_id, "--token-id")
        nonce = None if args.nonce is None else parse_uint(args.nonce, "--nonce")
        key, password = _signing_inputs(args)
        travel = read_travel_rule(args.travel_rule)

        def work(services: Services) -> tuple[ProposalResult, str, bool, TravelRuleRecord | None]:
            tokens = {t.address: t for t in services.tokens.load_tokens()}
            request = build_transfer(safe=safe, asset=args.asset, amount=args.amount, to=recipient,
                                     token_id=token_id, tokens=tokens,
                                     native_decimals=services.profile.preset.native_decimals, nonce=nonce)
            started = datetime.now(UTC)
            result = services.queue.propose(request, key, password, travel_rule=travel)
            already = False
            if result.entry is not None:
                # The same fields again hash to the same safeTxHash: the item queued before is the answer.
                already = _aware(result.entry.item.proposed_at) < started
            record = None if result.entry is None else services.compliance.travel_rule.load(result.entry.safe_tx_hash)
            return result, _vault_label(services, safe), already, record

        result, label, already, record = with_services(args, work)
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json({**proposal_json(result), "already_queued": already,
                    "travel_rule": None if record is None else record.to_json()})
    else:
        print_lines(proposal_lines(result, label, already) + ([] if record is None else record.lines()))
    return 0 if result.queued else 1


def _names(services: Services) -> dict[str, str]:
    """address -> label: the profile's address book and vaults, for the text output."""
    names = {address: label.label for address, label in services.profile.load_labels().items()}
    names.update({v.address: v.label for v in services.profile.vault_registry.load_entries()})
    return names


def _vault_label(services: Services, safe: str) -> str:
    return next((v.label for v in services.profile.vault_registry.load_entries() if v.address == safe), "")


def proposal_json(result: ProposalResult) -> dict[str, Any]:
    check, entry = result.check, result.entry
    return {
        "queued": result.queued,
        "safe_tx_hash": "0x" + check.safe_tx_hash.hex(),
        "safe": check.safe_tx.safe,
        "nonce": check.safe_tx.nonce,
        "decision": check.decision.decision,
        "reasons": list(check.decision.reasons),
        "intent_text": check.intent_text,
        "state": None if entry is None else entry.state,
        "valid_signatures": None if entry is None else entry.valid_signatures,
        "threshold": None if entry is None else entry.threshold,
        "domain_hash": "0x" + check.domain_hash.hex(),
        "message_hash": "0x" + check.message_hash.hex(),
        "policy": check.to_json(),
        "entry": None if entry is None else entry.to_json(),
    }


def proposal_lines(result: ProposalResult, label: str, already: bool = False) -> list[str]:
    check, entry = result.check, result.entry
    tx = check.safe_tx
    vault = f"{visible_lines(label)} ({tx.safe})" if label else tx.safe
    if entry is None:
        lines = [f"NOT QUEUED: the policy denies this transaction from {vault}; nothing was queued"]
    else:
        lines = [f"Queued for approval: nonce {tx.nonce} of {vault}, state {entry.state}, "
                 f"{entry.valid_signatures} valid signatures of threshold {entry.threshold}"]
        if already:
            lines.append(f"Already    queued before, with the same fields, by {entry.item.proposer} at "
                         f"{_utc(entry.item.proposed_at)}: nothing new was queued")
    lines += [f"Reason     {visible_lines(reason)}" for reason in check.decision.reasons]
    lines += check_lines(check)
    lines += ["Compare out of band:"]
    for name, digest in (("safe_tx_hash", check.safe_tx_hash), ("domain_hash", check.domain_hash),
                         ("message_hash", check.message_hash)):
        lines += ["  " + line for line in _chunked(name, "0x" + digest.hex())]
    if entry is not None:
        lines += [f"Conflict   another proposal uses nonce {tx.nonce}: {h}; the officers choose, Custos never does"
                  for h in entry.conflicts]
        if entry.gap:
            lines.append(f"Gap        {entry.gap}")
    return lines


# -- queue ------------------------------------------------------------------------------------------------------------

def _safe_queue(args: argparse.Namespace) -> int:
    try:
        safe = None if args.safe is None else _address(args.safe, "--safe")

        cooling: list[str] = []  # when recipients held back by a cooling-off open (issue 16)

        def work(services: Services) -> tuple[list[QueueEntry], list[str], dict[str, str], list[Any]]:
            followed = services.queue.follow()  # items sent to the chain: receipts and confirmations read now
            messages = [] if args.json else services.messages.load(safe)  # JSON: `custos safe messages --json`
            entries = services.queue.load(safe)
            if not args.json:
                from wallet_app.cli.safe_cooling import cooling_off_lines

                cooling.extend(cooling_off_lines(services, entries))
            return entries, followed, _names(services), messages

        entries, followed, labels, messages = with_services(args, work)
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json([e.to_json() for e in entries])
        return 0
    print_lines(queue_lines(entries, followed, labels))
    print_lines(cooling)
    if messages:
        from wallet_app.cli.safe_messages import message_lines

        print_lines(["", "Safe messages (statements for a vault's owners to sign):"])
        for message in messages:
            print_lines(message_lines(message, labels), indent="  ")
    return 0


def queue_lines(entries: list[QueueEntry], followed: list[str], names: dict[str, str]) -> list[str]:
    lines = [f"Followed   {visible_lines(note)}" for note in followed]
    if not entries:
        return [*lines, "The queue is empty."]
    by_vault: dict[str, list[QueueEntry]] = {}
    for entry in entries:
        by_vault.setdefault(entry.item.safe, []).append(entry)
    for safe, items in by_vault.items():
        label = names.get(safe, "")
        first = items[0]
        vault_nonce = "?" if first.vault_nonce is None else str(first.vault_nonce)
        lines += ["", f"{visible_lines(label) + ' ' if label else ''}{safe}  (vault nonce {vault_nonce}, threshold "
                      f"{first.threshold or '?'})"]
        for entry in sorted(items, key=lambda e: (e.item.nonce, e.item.proposed_at)):
            lines += ["  " + line for line in entry_lines(entry, names)]
    return lines


def _named(address: str | None, names: dict[str, str]) -> str:
    if not address:
        return "-"
    name = names.get(address)
    return f"{visible_lines(name)} {address}" if name else address


def entry_lines(entry: QueueEntry, names: dict[str, str]) -> list[str]:
    item = entry.item
    lines = [f"nonce {item.nonce}  {entry.state.upper()}  {entry.safe_tx_hash}"]
    if entry.intent_text:
        lines += [f"    {line}" for line in visible_lines(entry.intent_text).split("\n")]
    if item.state_reason:
        lines.append(f"    why          {visible_lines(item.state_reason)}")
    flagged = len(entry.flagged)
    rows = f" ({entry.valid_signatures} valid of {entry.signature_rows} rows" + (
        f"; {flagged} flagged)" if flagged else ")")
    lines.append(f"    signatures   {entry.valid_signatures} valid of threshold {entry.threshold}{rows}")
    lines += [f"    signed by    {_named(signer, names)}" for signer in entry.signers]
    proposer = "" if entry.proposer_verified else "  (proposal record NOT verified)"
    lines.append(f"    proposed by  {_named(item.proposer, names)} at {_utc(item.proposed_at)}{proposer}")
    if item.exec_tx_hash:
        outcome = f", {item.outcome}" if item.outcome else ""
        block = f" in block {item.mined_block}" if item.mined_block is not None else ""
        lines.append(f"    executed by  {_named(item.executor, names)}: {item.exec_tx_hash}{block}{outcome}")
    if entry.quarantined:
        lines.append(f"    QUARANTINED  {visible_lines(entry.quarantined)}")
    lines += [f"    CONFLICT     nonce {item.nonce} is also proposed as {h}: choose one explicitly; Custos never "
              "picks" for h in entry.conflicts]
    if entry.gap:
        lines.append(f"    GAP          {visible_lines(entry.gap)}")
    lines += [f"    FLAGGED      {visible_lines(flag)}" for flag in entry.flagged]
    lines += [f"    note         {visible_lines(note)}" for note in entry.notes]
    return lines


def _aware(moment: datetime) -> datetime:
    """A stored time in UTC (SQLite hands it back without its zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc(moment: datetime) -> str:
    return f"{_aware(moment):%Y-%m-%d %H:%M:%S} UTC"


# -- approve, reject, import-signature --------------------------------------------------------------------------------

def _entry_action(args: argparse.Namespace, action: Callable[[Services], QueueEntry],
                  ) -> tuple[QueueEntry, dict[str, str]]:
    """Run `action` and read its entry again as the vault's whole queue shows it, with the profile's names."""
    def work(services: Services) -> tuple[QueueEntry, dict[str, str]]:
        return action(services), _names(services)

    return with_services(args, work)


def _print_entry(entry: QueueEntry, names: dict[str, str], as_json: bool, what: str,
                 extra: dict[str, Any] | None = None) -> None:
    if as_json:
        print_json({**entry.to_json(), **(extra or {})})
        return
    print(what)
    print_lines(entry_lines(entry, names), indent="  ")
    print_lines(_chunked("safe_tx_hash", entry.safe_tx_hash), indent="  ")


def _safe_approve(args: argparse.Namespace) -> int:
    from wallet_app.cli.safe_messages import print_approved_message, vault_names

    try:
        safe_tx_hash = _hash(args.safe_tx_hash)
        key, password = _signing_inputs(args)

        def work(services: Services) -> tuple[Any, dict[str, str], bool]:
            if services.messages.has(safe_tx_hash):  # a SafeMessage hash: a statement for the vault to sign
                return services.messages.approve(safe_tx_hash, key, password), vault_names(services), True
            return services.queue.approve(safe_tx_hash, key, password), _names(services), False

        entry, names, is_message = with_services(args, work)
    except WalletError as exc:
        return fail(exc)
    if is_message:
        print_approved_message(entry, names, key, args.json)
        return 0
    _print_entry(entry, names, args.json, f"Approved by {_named(key, names)}: {entry.valid_signatures} valid "
                                          f"signatures of threshold {entry.threshold}, state {entry.state}")
    return 0


def _safe_reject(args: argparse.Namespace) -> int:
    try:
        safe_tx_hash = _hash(args.safe_tx_hash)
        key, password = _signing_inputs(args)
        entry, names = _entry_action(args, lambda s: s.queue.reject(safe_tx_hash, key, password))
    except WalletError as exc:
        return fail(exc)
    signed = "signed by this key" if key in entry.signers else "queued for the owners to sign"
    _print_entry(entry, names, args.json,
                 f"Rejection of {safe_tx_hash} at nonce {entry.item.nonce}: {entry.safe_tx_hash} ({signed}); "
                 f"{entry.valid_signatures} valid signatures of threshold {entry.threshold}, state {entry.state}. "
                 "Executing it uses up the nonce, so the rejected transaction can never run.",
                 {"rejects": safe_tx_hash})
    return 0


def _safe_import_signature(args: argparse.Namespace) -> int:
    try:
        safe_tx_hash = _hash(args.safe_tx_hash)
        owner = None if args.owner is None else _address(args.owner, "--owner")
        signature = args.signature.strip(" \t")
        entry, names = _entry_action(args, lambda s: s.queue.import_signature(safe_tx_hash, signature, owner))
    except WalletError as exc:
        return fail(exc)
    _print_entry(entry, names, args.json, f"Imported the signature: {entry.valid_signatures} valid signatures of "
                                          f"threshold {entry.threshold}, state {entry.state}")
    return 0


def _safe_import(args: argparse.Namespace) -> int:
    try:
        try:
            raw = args.file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"Cannot read {args.file}: {exc.strerror or exc}") from None
        key, password = _signing_inputs(args)
        travel = read_travel_rule(args.travel_rule)
        result, names = with_services(args, lambda s: (
            s.queue.import_transaction(raw, key, password, travel_rule=travel), _names(s)))
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json({**proposal_json(result.proposal), "accepted": list(result.accepted),
                   "refused": list(result.refused)})
    else:
        lines = proposal_lines(result.proposal, _named(result.proposal.check.safe_tx.safe, names))
        lines += [f"signature of {_named(a, names)} stored" for a in result.accepted]
        lines += [f"signature left out: {visible_lines(r)}" for r in result.refused]
        print_lines(lines)
    return 0 if result.proposal.queued else 1


# -- execute ----------------------------------------------------------------------------------------------------------

def _safe_execute(args: argparse.Namespace) -> int:
    try:
        safe_tx_hash = _hash(args.safe_tx_hash)
        key, password = _signing_inputs(args)
        progress = _progress if sys.stderr.isatty() else None  # a script's stderr holds nothing but an error
        result: ExecutionResult = with_services(
            args, lambda s: s.queue.execute(safe_tx_hash, key, password, progress=progress))
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json(result.to_json())
    else:
        print_lines(execution_lines(result))
    return 1 if result.outcome == "failure" or result.state == "failed" else 0


def _progress(text: str) -> None:
    print(f"custos: {' '.join(str(text).split())}", file=sys.stderr, flush=True)


def execution_lines(result: ExecutionResult) -> list[str]:
    outcome = {"success": "ExecutionSuccess", "failure": "ExecutionFailure: the Safe ran it and it failed; the "
               "nonce is used"}.get(result.outcome or "", "not mined yet")
    block = "-" if result.block_number is None else str(result.block_number)
    gas = "-" if result.gas_used is None else f"{result.gas_used:,}"
    lines = [f"Executed {result.entry.safe_tx_hash}: state {result.state}",
             f"  chain transaction  {result.chain_tx_hash}",
             f"  executor           {result.executor} (nonce {result.eoa_nonce})",
             f"  block              {block}, gas used {gas}",
             f"  outcome            {outcome}",
             f"  fees               max {result.max_fee_per_gas:,} wei/gas, priority "
             f"{result.max_priority_fee_per_gas:,} wei/gas"]
    lines += [f"  note               {visible_lines(note)}" for note in result.notes]
    return lines
