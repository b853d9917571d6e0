"""`custos holdings`: every holding of the profile's accounts at one block."""

from __future__ import annotations

import argparse

from wallet_app.cli.common import Commands, print_json, print_lines, with_services


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    holdings = commands.add_parser("holdings", help="every holding of the profile's accounts at one block")
    holdings.add_argument("--account", action="append", default=None, metavar="ADDRESS",
                          help="only this account (repeat for several; any address may be given)")
    holdings.add_argument("--block", type=int, default=None, metavar="N", help="read at block N (default: latest)")
    holdings.add_argument("--json", action="store_true", help="print JSON")
    holdings.set_defaults(handler=_holdings)


def _holdings(args: argparse.Namespace) -> int:
    from wallet_app.errors import ConfigError
    from wallet_app.holdings.views import build_snapshot_json, build_table_lines

    if args.block is not None and args.block < 0:
        raise ConfigError("--block must be a block number (0 or more)")
    snapshot = with_services(
        args, lambda services: services.holdings.fetch_holdings(accounts=args.account, block=args.block)
    )
    if args.json:
        print_json(build_snapshot_json(snapshot))
    else:
        print_lines(build_table_lines(snapshot))
    return 0
