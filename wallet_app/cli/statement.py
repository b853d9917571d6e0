"""`custos statement`: a holding statement of one account at one block, as CSV, PDF or JSON (a proof bundle with a
proof of every holding, which `custos proof verify` checks), logged as an export.

The core has no PDF writer (it has no Qt): the installed `custos` command hands it the desktop's as `pdf_renderer`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, with_services

if TYPE_CHECKING:
    from wallet_app.holdings.statement import Statement
    from wallet_app.services import Services

PdfRenderer = Callable[["Statement", Path], Path]


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    statement = commands.add_parser("statement",
                                    help="write a holding statement of one account (CSV, PDF, or JSON with proofs)")
    statement.add_argument("--account", required=True, help="the account's address")
    statement.add_argument("--out", type=Path, required=True,
                           help="FILE.csv, FILE.pdf or FILE.json (with a proof of every holding)")
    statement.add_argument("--block", type=int, default=None, help="read at this block (default: the latest)")
    statement.set_defaults(handler=_statement)


def _statement(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.errors import ConfigError
    from wallet_app.holdings.statement import build_statement, render_csv

    out: Path = args.out
    kind = out.suffix.lower()
    if kind not in (".csv", ".pdf", ".json"):
        raise ConfigError(f"{out.name}: a statement is written as .csv, .pdf or .json")
    if kind == ".pdf" and args.pdf_renderer is None:
        raise ConfigError("This installation has no PDF writer (it needs the desktop part of Custos); use .csv")
    if out.exists():
        raise ConfigError(f"{out} already exists; choose another file name")
    account = to_checksum(args.account)
    if kind == ".json":
        return _statement_json(args, account, out)

    def write(services: Services) -> Statement:
        profile = services.profile
        snapshot = services.holdings.fetch_holdings([account], args.block)
        statement = build_statement(snapshot, account, chain_id=profile.config.chain_id, network=profile.preset.name)
        if kind == ".csv":
            from wallet_app.storage.atomic import write_atomic

            write_atomic(out, render_csv(statement).encode("utf-8"), mode=0o644)
        else:
            args.pdf_renderer(statement, out)
        services.audit.record_export(kind="holding statement", fmt=kind[1:], path=out, subject=account,
                                     detail={"block": statement.block_number})
        return statement

    statement = with_services(args, write)
    print(f"Wrote the statement of {account} at block {statement.block_number} to {out}")
    return 0


def _statement_json(args: argparse.Namespace, account: str, out: Path) -> int:
    from wallet_app.cli.common import print_lines
    from wallet_app.proofs.bundle import bundle_json
    from wallet_app.proofs.create import Created
    from wallet_app.storage.atomic import write_atomic

    def write(services: Services) -> Created:
        created = services.proofs.statement(account, args.block)
        write_atomic(out, bundle_json(created.bundle), mode=0o644)
        services.audit.record_export(kind="holding statement", fmt="json", path=out, subject=account,
                                     detail={"block": created.header.number})
        return created

    created = with_services(args, write)
    lines = [f"Wrote the statement of {account} at block {created.header.number} with "
             f"{len(created.bundle['claims'])} proven claim(s) to {out}"]
    lines += [f"not proven: {u['asset']} {u['token_id']}: {u['reason']}".rstrip() for u in created.unproven]
    print_lines(lines)
    return 0
