"""The `custos` program: its global options, the command groups in the order `custos --help` lists them, and `main`,
which runs one command and turns an error into one line on stderr and an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from wallet_app import __version__
from wallet_app.cli import (
    account_vault,
    audit,
    cold,
    counterparty,
    demo,
    devnet,
    evidence,
    feeds,
    history,
    holdings,
    keys,
    network,
    offline,
    policy,
    profile,
    proof,
    reserves,
    safe,
    statement,
    storage,
    tokens,
    travel_rule,
    ur,
    vaults,
)
from wallet_app.cli.common import EXIT_CANCELLED, EXIT_ERROR, Handler
from wallet_app.cli.statement import PdfRenderer
from wallet_app.cli.storage import StoragePdfRenderer
from wallet_app.errors import UserCancelled, WalletError

COMMAND_GROUPS = (demo, devnet, vaults, network, holdings, storage, history, keys, tokens, feeds, policy, audit,
                  evidence, safe, account_vault, offline, cold, counterparty, travel_rule, statement, proof, reserves,
                  profile, ur)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custos", description="Custos: custody and rights confirmation for tokenized assets on EVM chains."
    )
    parser.add_argument("--version", action="version", version=f"custos {__version__}")
    parser.add_argument("--home", type=Path, default=None,
                        help="data directory holding the profiles (default: $CUSTOS_HOME or the platform's)")
    parser.add_argument("--profile", default=os.environ.get("CUSTOS_PROFILE", "demo"),
                        help="profile to use (default: $CUSTOS_PROFILE or 'demo')")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, pdf_renderer: PdfRenderer | None = None,
         storage_pdf_renderer: StoragePdfRenderer | None = None) -> int:
    """Run one command. `pdf_renderer` typesets statements as PDF, `storage_pdf_renderer` storage reports; the core
    has none (it has no Qt), the installed `custos` command passes the desktop's."""
    args = build_parser().parse_args(argv)
    args.pdf_renderer = pdf_renderer
    args.storage_pdf_renderer = storage_pdf_renderer
    handler: Handler = args.handler
    try:
        return handler(args)
    except UserCancelled:
        return EXIT_CANCELLED
    except WalletError as exc:
        print(f"custos: {exc.user_message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_CANCELLED
