"""`custos history`: token transfers in and out of one of the profile's accounts."""

from __future__ import annotations

import argparse

from wallet_app.cli.common import Commands, print_json, with_services


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    history = commands.add_parser("history", help="token transfers in and out of one of the profile's accounts")
    history.add_argument("--account", required=True, metavar="ADDRESS", help="a vault, key or investor of the profile")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=_history)


def _history(args: argparse.Namespace) -> int:
    from wallet_app.domain.units import format_units

    views = with_services(args, lambda services: services.history.fetch_history(args.account))
    if args.json:
        print_json([view.to_json() for view in views])
        return 0
    from wallet_app.holdings.views import format_hkd, make_visible

    for view in views:
        arrow = {"in": "from", "out": "to", "self": "to"}[view.direction]
        item = f" #{view.token_id}" if view.token_id is not None else ""
        who = f"{make_visible(view.counterparty_label)} {view.counterparty}".strip()
        value = format_hkd(view.value_hkd)
        worth = f"  (HKD {value} then)" if value is not None else ""
        print(f"{view.block_time:%Y-%m-%d %H:%M:%S}  block {view.block_number}  {view.direction:<4} "
              f"{format_units(view.amount, view.decimals)} {make_visible(view.symbol)}{item}{worth}  {arrow} {who}  "
              f"tx 0x{view.tx_hash.hex()}")
    if not views:
        print("No token transfers.")
    return 0
