"""`custos cold sweep OLD --to NEW --key ADDRESS --password-file F [--json]`, on the online desktop: every asset of the
cold vault OLD proposed as a transfer to NEW (a new cold vault made by `custos cold create` on the offline signer and
added to the policy), when an officer leaves or a share is lost. The transfers then go the usual way: approvals
(`custos account-vault approve`), the cold ceremony with OLD's shares, `custos account-vault send`. Exit 0 when every
asset was queued, 1 when the policy denied or Custos skipped some (each listed with why).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_json, print_lines, read_secret_file, with_services

if TYPE_CHECKING:
    from wallet_app.services import Services


def register(actions: Commands[argparse.ArgumentParser]) -> None:
    sweep = actions.add_parser("sweep", help="online: propose moving everything a cold vault holds to a new vault")
    sweep.add_argument("address", metavar="OLD", help="the cold vault whose shares are no longer trusted")
    sweep.add_argument("--to", required=True, metavar="NEW", help="the vault that receives everything")
    sweep.add_argument("--key", required=True, metavar="ADDRESS",
                       help="the profile's key proposing the transfers (it signs the proposal records)")
    sweep.add_argument("--password-file", type=Path, required=True, metavar="F", help="the key's password (or PIN)")
    sweep.add_argument("--json", action="store_true", help="print JSON")
    sweep.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    from wallet_app.account_vaults.sweep import sweep
    from wallet_app.domain.units import format_units
    from wallet_app.errors import ConfigError
    from wallet_app.policy.check_request import check_address

    old, new, key = (check_address(args.address, "OLD"), check_address(args.to, "--to"),
                     check_address(args.key, "--key"))
    password = read_secret_file(args.password_file, "password")

    def work(services: Services) -> int:
        if services.profile.is_offline:
            raise ConfigError("A sweep proposes transfers, which is done on the online desktop")
        snapshot = services.holdings.fetch_holdings(accounts=[old])
        tokens = {t.address: t for t in services.tokens.load_tokens()}
        queue = services.account_vaults
        with queue.unlocked(queue.signing_key(key), password) as signer:
            lines = sweep(queue, snapshot, tokens, old=old, new=new, signer=signer,
                          native_decimals=services.profile.preset.native_decimals)
        if args.json:
            print_json([{"asset": line.asset, "symbol": line.symbol, "token_id": line.token_id, "amount": line.amount,
                         "queued": line.queued, "tx_hash": line.tx_hash, "nonce": line.nonce,
                         "decision": line.decision, "reason": line.reason} for line in lines])
        else:
            shown = [f"Sweep of {old} to {new} at block {snapshot.block_number}:"]
            for line in lines:
                what = (f"{format_units(line.amount, line.decimals)} {line.symbol}"
                        + (f" #{line.token_id}" if line.token_id is not None else ""))
                shown.append(f"  {what}: queued at nonce {line.nonce} ({line.tx_hash})" if line.queued
                             else f"  {what}: {line.decision.upper()}, not queued: {line.reason}")
            if not lines:
                shown.append("  the vault holds nothing")
            print_lines(shown)
        return 0 if all(line.queued for line in lines) else 1

    return with_services(args, work)
