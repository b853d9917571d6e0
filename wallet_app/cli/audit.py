"""`custos audit ...`: the audit log of the profile, read without the chain.

- `list` shows entries, newest first, filtered by action, actor or text;
- `verify` walks the hash chain and checks every signature: exit 0 when intact, 1 naming the first bad entry
  ("entry 17: its hash does not match its content (edited?)"); with `--expect-head SEQ:HASH`, a head anchored
  elsewhere, it also detects entries deleted from the end (M3);
- `head` prints the last entry's `seq:hash`, to be anchored outside this database (another machine, a signed note);
- `export` writes every entry as CSV (cells that a spreadsheet would run made inert) or JSON, to a new file or to
  standard output; the export itself is then logged.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from wallet_app.audit.actions import ALL_ACTIONS
from wallet_app.cli.common import Commands, print_json, with_profile

if TYPE_CHECKING:
    from wallet_app.audit.entry import AuditEntry
    from wallet_app.audit.log import AuditLog

T = TypeVar("T")
DEFAULT_LIMIT = 100


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="the audit log: list, verify the hash chain, anchor its head, export")
    actions = audit.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="entries, newest first")
    listing.add_argument("--action", dest="only_action", default=None, metavar="A",
                         help=f"only this action ({', '.join(ALL_ACTIONS[:6])}, ...)")
    listing.add_argument("--actor", default=None, metavar="ADDRESS", help="only this actor (an address, operator or "
                                                                          "system)")
    listing.add_argument("--search", default=None, metavar="TEXT", help="only entries mentioning TEXT")
    listing.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                         help=f"at most N entries (default {DEFAULT_LIMIT})")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_audit_list)
    verify = actions.add_parser("verify", help="check the hash chain and the signatures; exit 1 naming the first "
                                               "bad entry")
    verify.add_argument("--expect-head", default=None, metavar="SEQ:HASH",
                        help="a head printed earlier by `custos audit head` and kept elsewhere: entries deleted from "
                             "the end are detected against it")
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(handler=_audit_verify)
    head = actions.add_parser("head", help="the last entry as SEQ:HASH, to anchor outside this database")
    head.add_argument("--json", action="store_true", help="print JSON")
    head.set_defaults(handler=_audit_head)
    export = actions.add_parser("export", help="every entry as CSV or JSON (to standard output without --out)")
    export.add_argument("--format", required=True, choices=["csv", "json"], dest="fmt")
    export.add_argument("--out", type=Path, default=None, metavar="FILE", help="a new file (never overwritten)")
    export.set_defaults(handler=_audit_export)


def _with_audit(args: argparse.Namespace, work: Callable[[AuditLog], T]) -> T:
    from wallet_app.audit.profile_log import build_audit_log

    return with_profile(args, lambda profile: work(build_audit_log(profile)))


def format_entry(entry: AuditEntry) -> str:
    from wallet_app.audit.entry import format_at, summarize_detail
    from wallet_app.holdings.views import make_visible

    who = entry.actor
    named = ", ".join(make_visible(t) for t in (entry.actor_label, entry.role) if t)
    if named:
        who += f" ({named})"
    signed = "  [signed]" if entry.signature else ""
    line = f"{entry.seq:>6}  {format_at(entry.at)[:19]}Z  {entry.action:<16} {who}"
    if entry.subject:
        line += f"  {make_visible(entry.subject)}"
    summary = summarize_detail(entry.details())
    return line + signed + (f"\n        {make_visible(summary)}" if summary else "")


def _audit_list(args: argparse.Namespace) -> int:
    from wallet_app.errors import ConfigError

    if args.limit < 1:
        raise ConfigError("--limit must be 1 or more")
    actor = args.actor
    if actor is not None and actor.startswith("0x"):
        from wallet_app.domain.addresses import to_checksum

        actor = to_checksum(actor)
    entries = _with_audit(args, lambda audit: audit.load_entries(action=args.only_action, actor=actor,
                                                                 search=args.search, limit=args.limit))
    if args.json:
        print_json([e.to_json() for e in entries], ensure_ascii=False)
    else:
        print("\n".join(format_entry(e) for e in entries) or "No audit entries.")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from wallet_app.audit.stored import AuditHead

    expect = AuditHead.parse(args.expect_head) if args.expect_head is not None else None
    report = _with_audit(args, lambda audit: audit.verify(expect_head=expect))
    if args.json:
        print_json(report.to_json())
    else:
        print(report.describe())
    return 0 if report.intact else 1


def _audit_head(args: argparse.Namespace) -> int:
    head = _with_audit(args, lambda audit: audit.load_head())
    if args.json:
        print_json(None if head is None else {"seq": head.seq, "entry_hash": head.entry_hash, "head": head.text()})
    elif head is None:
        print("The audit log is empty.")
    else:
        print(head.text())
    return 0


def _audit_export(args: argparse.Namespace) -> int:
    import sys

    from wallet_app.audit.export import export_audit

    out: Path | None = args.out
    if out is not None and out.exists():
        from wallet_app.errors import ConfigError

        raise ConfigError(f"{out} already exists; choose another file name (exports are never overwritten)")
    result = _with_audit(args, lambda audit: export_audit(audit, args.fmt, out))
    if out is None:
        sys.stdout.write(result.text)
    else:
        head = f", head {result.head.text()}" if result.head is not None else ""
        print(f"Wrote {result.entries} audit entries ({args.fmt}{head}) to {out}")
    return 0
