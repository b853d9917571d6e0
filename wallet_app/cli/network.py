"""`custos network status`: connect to the profile's network and show its chain id and block height."""

from __future__ import annotations

import argparse

from wallet_app.cli.common import Commands, print_json, with_services


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    network = commands.add_parser("network", help="the profile's network").add_subparsers(
        dest="action", required=True
    )
    status = network.add_parser("status", help="connect and show chain id and block height")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_network_status)


def _network_status(args: argparse.Namespace) -> int:
    status = with_services(args, lambda services: services.network.fetch_status())
    if args.json:
        print_json({"network": status.network_name, "chain_id": status.chain_id,
                   "block_number": status.block_number, "state": status.state.value,
                   "endpoint": status.endpoint, "message": status.message})
    else:
        block = "-" if status.block_number is None else str(status.block_number)
        print(f"{status.network_name}  chain {status.chain_id}  block {block}  {status.state.value}  "
              f"{status.endpoint}  {status.message}".rstrip())
    return 0 if status.block_number is not None else 1
