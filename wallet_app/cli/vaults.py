"""`custos vaults list`: every vault of the profile, read from the chain."""

from __future__ import annotations

import argparse

from wallet_app.cli.common import Commands, print_json, with_services


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    vaults = commands.add_parser("vaults", help="the profile's Safe vaults").add_subparsers(
        dest="action", required=True
    )
    vaults_list = vaults.add_parser("list", help="read every vault from the chain")
    vaults_list.add_argument("--json", action="store_true", help="print JSON")
    vaults_list.set_defaults(handler=_vaults_list)


def _vaults_list(args: argparse.Namespace) -> int:
    from wallet_app.domain.units import format_units

    preset, infos = with_services(args, lambda services: (services.profile.preset, services.vaults.fetch_vaults()))
    if args.json:
        print_json([info.to_json() for info in infos])
        return 0
    for info in infos:
        balance = format_units(info.balance, preset.native_decimals)
        print(f"{info.label}  {info.address}  Safe {info.version}  {info.threshold} of {len(info.owners)}  "
              f"nonce {info.nonce}  {balance} {preset.native_symbol}")
        for owner in info.owners:
            print(f"    owner {owner}")
    return 0
