"""`custos account-vault ...`: transfers from account vaults (plain accounts whose approvers and threshold are in the
policy's [[vaults]] section, such as a cold vault), on the online desktop.

- `propose --vault ADDRESS --asset native|TOKEN --amount DECIMAL --to ADDRESS [--token-id N] [--nonce N]
  --key ADDRESS --password-file F [--json]`: one EIP-1559 transaction, checked under the policy and queued.
- `queue [--vault ADDRESS] [--json]`: the queue, verified now.
- `approve HASH --key ADDRESS --password-file F`: an approver's EIP-712 approval of the transaction's signing hash.
- `request HASH (--out FILE | --qr-dir DIR) [--max-fragment N]`: the cold ceremony's sign request, for a transfer
  whose approvals are complete; the offline signer answers with `custos cold sign`, and `custos offline import FILE`
  takes the signed transaction back.
- `send HASH [--wait SECONDS]`: send the signed transaction (after one more policy check) and follow it to final.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import Commands, print_json, print_lines, read_secret_file, with_services
from wallet_app.cli.offline import add_request_outputs, check_request_outputs, write_request

if TYPE_CHECKING:
    from wallet_app.account_vaults.service import AccountEntry
    from wallet_app.services import Services


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("account-vault", help="transfers from account vaults (a cold vault): propose, "
                                                      "approve, the cold ceremony's request, send")
    actions = group.add_subparsers(dest="action", required=True)
    propose = actions.add_parser("propose", help="propose a transfer from an account vault: checked under the policy "
                                                 "and queued for its approvers")
    propose.add_argument("--vault", required=True, metavar="ADDRESS", help="the account vault that sends")
    propose.add_argument("--asset", required=True, metavar="native|TOKEN_ADDRESS")
    propose.add_argument("--amount", required=True, metavar="DECIMAL", help="in the asset's units, such as 1250.50")
    propose.add_argument("--to", required=True, metavar="ADDRESS", help="the recipient")
    propose.add_argument("--token-id", default=None, metavar="N", help="the token id (ERC-721 and ERC-1155 only)")
    propose.add_argument("--nonce", default=None, metavar="N", help="the vault's nonce (default: the next free one)")
    _key_arguments(propose, "the profile's key proposing it (it signs the proposal record; it never approves it)")
    propose.add_argument("--travel-rule", type=Path, default=None, metavar="FILE.json",
                         help="the originator and beneficiary information (IVMS 101 JSON), required when the Travel "
                              "Rule applies to the transfer")
    propose.add_argument("--json", action="store_true", help="print JSON")
    propose.set_defaults(handler=_propose)
    queue = actions.add_parser("queue", help="the account vaults' queue, verified now")
    queue.add_argument("--vault", default=None, metavar="ADDRESS", help="only this vault's transfers")
    queue.add_argument("--json", action="store_true", help="print JSON")
    queue.set_defaults(handler=_queue)
    approve = actions.add_parser("approve", help="approve a transfer: an EIP-712 approval of its signing hash")
    approve.add_argument("tx_hash", metavar="HASH", help="the transfer's signing hash, as `account-vault queue` shows")
    _key_arguments(approve, "an approver of the vault under the policy in force")
    approve.add_argument("--json", action="store_true", help="print JSON")
    approve.set_defaults(handler=_approve)
    request = actions.add_parser("request", help="the cold ceremony's sign request for a transfer with its approvals")
    request.add_argument("tx_hash", metavar="HASH")
    add_request_outputs(request)
    request.set_defaults(handler=_request)
    send = actions.add_parser("send", help="send a transfer the cold ceremony signed and follow it to final")
    send.add_argument("tx_hash", metavar="HASH")
    send.add_argument("--wait", type=float, default=60.0, metavar="SECONDS",
                      help="how long to follow it before returning (default 60; `send` again resumes)")
    send.add_argument("--json", action="store_true", help="print JSON")
    send.set_defaults(handler=_send)


def _key_arguments(parser: argparse.ArgumentParser, key_help: str) -> None:
    parser.add_argument("--key", required=True, metavar="ADDRESS", help=key_help)
    parser.add_argument("--password-file", type=Path, required=True, metavar="F", help="the key's password (or PIN)")


def _address(text: str, flag: str) -> str:
    from wallet_app.policy.check_request import check_address

    return check_address(text, flag)


def _propose(args: argparse.Namespace) -> int:
    from wallet_app.cli.safe_queue import read_travel_rule
    from wallet_app.cli.tx_options import parse_uint
    from wallet_app.queue.builders import build_transfer

    vault, recipient = _address(args.vault, "--vault"), _address(args.to, "--to")
    token_id = None if args.token_id is None else parse_uint(args.token_id, "--token-id")
    nonce = None if args.nonce is None else parse_uint(args.nonce, "--nonce")
    key, password = _address(args.key, "--key"), read_secret_file(args.password_file, "password")
    travel = read_travel_rule(args.travel_rule)

    def work(services: Services) -> int:
        tokens = {t.address: t for t in services.tokens.load_tokens()}
        built = build_transfer(safe=vault, asset=args.asset, amount=args.amount, to=recipient, token_id=token_id,
                               tokens=tokens, native_decimals=services.profile.preset.native_decimals)
        proposal = services.account_vaults.propose(vault, built.to, built.value, built.data, key, password,
                                                   nonce=nonce, travel_rule=travel)
        check = proposal.result
        if args.json:
            print_json({"queued": proposal.entry is not None, "decision": check.to_json(),
                        "item": None if proposal.entry is None else entry_json(proposal.entry)})
        else:
            lines = [f"Transfer     {check.intent_text}", f"Decision     {check.decision.decision.upper()}"]
            lines += [f"  {v.id}: {v.verdict} ({v.reason})" for v in check.decision.rules if v.verdict != "pass"]
            if proposal.entry is None:
                lines.append("Nothing was queued: the policy denies it")
            else:
                lines += entry_lines(proposal.entry)
            print_lines(lines)
        return 0 if proposal.entry is not None else 1

    return with_services(args, work)


def _queue(args: argparse.Namespace) -> int:
    vault = None if args.vault is None else _address(args.vault, "--vault")

    def work(services: Services) -> int:
        entries = services.account_vaults.load(vault)
        if args.json:
            print_json([entry_json(e) for e in entries])
        elif not entries:
            print("No account-vault transfer is queued")
        else:
            for entry in entries:
                print_lines([*entry_lines(entry), ""])
        return 0

    return with_services(args, work)


def _approve(args: argparse.Namespace) -> int:
    key, password = _address(args.key, "--key"), read_secret_file(args.password_file, "password")

    def work(services: Services) -> int:
        entry = services.account_vaults.approve(args.tx_hash, key, password)
        if args.json:
            print_json(entry_json(entry))
        else:
            print_lines([f"Approved by {key}", *entry_lines(entry)])
        return 0

    return with_services(args, work)


def _request(args: argparse.Namespace) -> int:
    check_request_outputs(args)

    def work(services: Services) -> int:
        sent = services.account_ceremony.request(args.tx_hash)
        where = write_request(args, sent.urs)
        print_lines([f"Cold ceremony request for {sent.tx_hash} written to {where}",
                     f"Checked at block {sent.block_number}: {sent.decision}",
                     "On the offline signer: custos cold sign REQUEST_FILE --share ... --out ANSWER_FILE; then here: "
                     "custos offline import ANSWER_FILE"])
        return 0

    return with_services(args, work)


def _send(args: argparse.Namespace) -> int:
    def work(services: Services) -> int:
        entry = services.account_ceremony.send(args.tx_hash, wait_seconds=max(0.0, args.wait),
                                               progress=None if args.json else print)
        if args.json:
            print_json(entry_json(entry))
        else:
            print_lines(entry_lines(entry))
        return 0 if entry.item.state != "failed" else 1

    return with_services(args, work)


def entry_json(entry: AccountEntry) -> dict[str, Any]:
    item, tx = entry.item, entry.item.tx
    return {
        "tx_hash": item.tx_hash, "vault": item.vault, "nonce": item.nonce, "state": item.state,
        "state_reason": item.state_reason, "proposer": item.proposer, "proposed_at": item.proposed_at.isoformat(),
        "to": tx.to if tx else None, "value": str(tx.value) if tx else None,
        "data": "0x" + tx.data.hex() if tx else None,
        "gas": tx.gas if tx else None, "max_fee_per_gas": str(tx.max_fee_per_gas) if tx else None,
        "max_priority_fee_per_gas": str(tx.max_priority_fee_per_gas) if tx else None,
        "approvers": list(entry.approvers), "threshold": entry.threshold, "not_counted": list(entry.not_counted),
        "quarantined": entry.quarantined or None, "sent_tx_hash": item.sent_tx_hash, "mined_block": item.mined_block,
        "outcome": item.outcome,
    }


def entry_lines(entry: AccountEntry) -> list[str]:
    item = entry.item
    label = entry.vault.label if entry.vault is not None else item.vault
    lines = [f"Signing hash {item.tx_hash}", f"Vault        {label} ({item.vault}), nonce {item.nonce}",
             f"State        {item.state}{': ' + item.state_reason if item.state_reason else ''}",
             f"Approvals    {len(entry.approvers)} of {entry.threshold}"
             + (f": {', '.join(entry.approvers)}" if entry.approvers else "")]
    lines += [f"  not counted: {why}" for why in entry.not_counted]
    if entry.quarantined:
        lines.append(f"QUARANTINED  {entry.quarantined}")
    if item.sent_tx_hash:
        lines.append(f"Transaction  {item.sent_tx_hash}"
                     + (f", mined in block {item.mined_block} ({item.outcome})" if item.mined_block else ""))
    return lines
