"""Safe messages in the approvals queue from the command line (holding statements a vault's quorum signs).

- `safe messages [--safe ADDRESS] [--json]` lists them, verified now: the SafeMessage hash, the vault, every field
  of the typed data in words, the valid signatures of the threshold, flagged rows, quarantine.
- `safe approve HASH` (in `safe_queue`) approves a message when HASH is a message's SafeMessage hash, a transaction
  when it is a safeTxHash; `print_approved_message` here prints the former.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wallet_app.cli.common import fail, print_json, print_lines, visible_lines, with_services
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.cli.common import Commands
    from wallet_app.cli.tx_options import ExitOneParser
    from wallet_app.queue.message_records import MessageEntry
    from wallet_app.services import Services


def register(actions: Commands[ExitOneParser]) -> None:
    messages = actions.add_parser("messages", help="the Safe messages in the approval queue (statements a vault's "
                                                   "owners sign), verified now")
    messages.add_argument("--safe", default=None, metavar="ADDRESS", help="only this vault's messages")
    messages.add_argument("--json", action="store_true", help="print JSON")
    messages.set_defaults(handler=_safe_messages)


def _safe_messages(args: argparse.Namespace) -> int:
    from wallet_app.policy.check_request import check_address

    try:
        safe = None if args.safe is None else check_address(args.safe, "--safe")
        entries, names = with_services(args, lambda s: (s.messages.load(safe), vault_names(s)))
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json([e.to_json() for e in entries])
    elif not entries:
        print("No Safe message is queued.")
    else:
        for entry in entries:
            print_lines(message_lines(entry, names))
    return 0


def print_approved_message(entry: MessageEntry, names: dict[str, str], key: str, as_json: bool) -> None:
    """What `safe approve` prints for a message."""
    if as_json:
        print_json(entry.to_json())
        return
    print(f"Approved by {key}: {entry.valid_signatures} valid signatures of threshold {entry.threshold}, state "
          f"{entry.state}")
    print_lines(message_lines(entry, names), indent="  ")
    if entry.state == "ready":
        print(f"  Write the signed statement with: custos statement --signed {entry.message_hash} --out FILE.json")


def vault_names(services: Services) -> dict[str, str]:
    return {e.address: e.label for e in services.profile.vault_registry.load_entries()}


def message_lines(entry: MessageEntry, names: dict[str, str]) -> list[str]:
    item = entry.item
    label = names.get(item.safe, "")
    vault = f"{visible_lines(label)} {item.safe}" if label else item.safe
    lines = [f"MESSAGE  {entry.state.upper()}  {item.message_hash}",
             f"    vault        {vault}",
             f"    kind         {item.kind}",
             f"    signatures   {entry.valid_signatures} valid of threshold {entry.threshold} "
             f"({entry.signature_rows} rows)"]
    lines += [f"    signed by    {signer}" for signer in entry.signers]
    proposer = "" if entry.proposer_verified else "  (proposal record NOT verified)"
    lines.append(f"    proposed by  {item.proposer}{proposer}")
    if entry.digest:
        lines.append(f"    EIP-712      {entry.digest}")
    lines += [f"    {'typed data' if i == 0 else '':<12} {visible_lines(w)}" for i, w in enumerate(entry.words)]
    if entry.quarantined:
        lines.append(f"    QUARANTINED  {visible_lines(entry.quarantined)}")
    lines += [f"    FLAGGED      {visible_lines(flag)}" for flag in entry.flagged]
    lines += [f"    note         {visible_lines(note)}" for note in entry.notes]
    return lines
