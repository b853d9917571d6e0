"""`custos safe add` and `custos safe deploy`: add an existing Safe to the profile, deploy a new one.

`safe add ADDRESS` reads the Safe (version, owners and which of them are keys of this profile, threshold, nonce,
modules, guard, fallback handler, singleton) and checks its proxy and singleton code against the known Safe
deployments. A vault whose singleton or proxy is unknown (SECURITY F4) is still added, marked "signing blocked", so
that the officers see it in the list; the command then prints the verdict loudly and exits 1. Refused (exit 1,
nothing added): no contract at the address on the profile's chain, a contract that is not a Safe, a vault already
added.

`safe deploy` makes a new Safe 1.4.1 (L2 build) through the canonical SafeProxyFactory from one of the profile's
keys and adds it; it prints the new address, the transaction hash and the block.

Errors: one line on stderr starting "custos: error:", exit 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import Commands, fail, print_json, print_lines, read_secret_file, with_services
from wallet_app.cli.tx_options import ExitOneParser, parse_uint
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.domain.vaults import VaultCheck
    from wallet_app.vaults.service import AddedVault, DeployedVault

BLOCKED_BANNER = "!!! SIGNING BLOCKED FOR THIS VAULT !!!"


def register(actions: Commands[ExitOneParser]) -> None:
    add = actions.add_parser(
        "add", help="add an existing Safe by address: reads and checks it against the known Safe deployments",
        description="Add an existing Safe to the profile. A Safe whose singleton or proxy is not a known Safe "
                    "deployment is added marked 'signing blocked' and the command exits 1.")
    add.add_argument("address", metavar="ADDRESS", help="the Safe's address")
    add.add_argument("--label", default="", metavar="TEXT", help="a name for the vault (default: from its address)")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(handler=_safe_add)

    deploy = actions.add_parser(
        "deploy", help="deploy a new Safe 1.4.1 vault with these owners and threshold, and add it",
        description="Deploy a new Safe (1.4.1, L2 build) through the canonical SafeProxyFactory, sent from one of "
                    "the profile's keys, and add it to the profile.")
    deploy.add_argument("--owner", action="append", required=True, metavar="ADDRESS",
                        help="an owner (repeat for each; at least one)")
    deploy.add_argument("--threshold", required=True, metavar="N", help="signatures needed (1 to the owners)")
    deploy.add_argument("--key", required=True, metavar="ADDRESS", help="the profile's key that sends and pays")
    deploy.add_argument("--password-file", type=Path, required=True, metavar="F", help="the key's password (or PIN)")
    deploy.add_argument("--label", default="", metavar="TEXT", help="a name for the vault")
    deploy.add_argument("--salt-nonce", default=None, metavar="N", help="CREATE2 salt nonce (default: random)")
    deploy.add_argument("--json", action="store_true", help="print JSON")
    deploy.set_defaults(handler=_safe_deploy)


def check_json(check: VaultCheck) -> dict[str, Any]:
    return check.to_json()


def added_json(added: AddedVault) -> dict[str, Any]:
    info, check = added.info, added.check
    return {
        "address": info.address, "label": info.label, "version": info.version,
        "owners": [{"address": o, "profile_key": o in added.owner_keys} for o in info.owners],
        "threshold": info.threshold, "nonce": info.nonce, "balance": str(info.balance),
        "block_number": info.block_number, "modules": list(check.modules), "guard": check.guard or None,
        "fallback_handler": check.fallback_handler or None, "singleton": check.singleton,
        "singleton_version": check.singleton_version or None, "l2": check.l2,
        "verdict": check.status, "signing_blocked": check.blocking, "message": check.message,
        "findings": list(check.findings), "custody_warnings": list(added.warnings),
    }


def _visible(text: str) -> str:
    from wallet_app.holdings.views import make_visible

    return make_visible(text)


def added_lines(added: AddedVault) -> list[str]:
    info, check = added.info, added.check
    lines = []
    if check.blocking:
        lines += [BLOCKED_BANNER, check.message, ""]
    lines += [f"{_visible(info.label)}  {info.address}",
              f"  version      {_visible(info.version) or '(did not answer)'}",
              f"  threshold    {info.threshold} of {len(info.owners)}",
              f"  nonce        {info.nonce}"]
    for owner in info.owners:
        mine = "  (a key of this profile)" if owner in added.owner_keys else ""
        lines.append(f"  owner        {owner}{mine}")
    lines += [f"  modules      {', '.join(check.modules) or 'none'}",
              f"  guard        {check.guard or 'none'}",
              f"  fallback     {check.fallback_handler or 'none'}",
              f"  singleton    {check.singleton}"
              + (f"  (Safe {check.singleton_version}{' L2' if check.l2 else ''})" if check.singleton_version else ""),
              f"  verdict      {check.status}: {check.message}"]
    lines += [f"  WARNING: {finding}" for finding in check.findings]
    lines += [f"  CUSTODY: {warning}" for warning in added.warnings]
    if check.blocking:
        lines += ["", f"{BLOCKED_BANNER} It was added so that it shows in the vault list, marked blocked; no key of "
                      "this profile will sign for it."]
    return lines


def _safe_add(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    try:
        address = to_checksum(args.address)
        added: AddedVault = with_services(args, lambda s: s.vaults.add_vault(address, args.label))
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json(added_json(added))
    else:
        print(f"Added {added.info.address} to the profile.")
        print_lines(added_lines(added))
    if added.check.blocking:
        print(f"custos: {BLOCKED_BANNER} {added.check.message}", file=sys.stderr)
        return 1
    return 0


def deployed_json(deployed: DeployedVault) -> dict[str, Any]:
    return {
        "address": deployed.address, "tx_hash": "0x" + deployed.tx_hash.hex(), "block_number": deployed.block_number,
        "gas_used": deployed.gas_used, "sender": deployed.sender, "salt_nonce": str(deployed.salt_nonce),
        "version": deployed.version, "l2": deployed.l2, "singleton": deployed.singleton,
        "proxy_factory": deployed.proxy_factory, "fallback_handler": deployed.fallback_handler,
        "vault": added_json(deployed.added),
    }


def _safe_deploy(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    try:
        owners = [to_checksum(o) for o in args.owner]
        threshold = parse_uint(args.threshold, "--threshold")
        salt = None if args.salt_nonce is None else parse_uint(args.salt_nonce, "--salt-nonce")
        key = to_checksum(args.key)
        password = read_secret_file(args.password_file, "password")
        deployed: DeployedVault = with_services(args, lambda s: s.vaults.deploy_safe(
            owners, threshold, key, password, label=args.label, salt_nonce=salt))
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json(deployed_json(deployed))
        return 0
    print(f"Deployed the vault {deployed.address} (Safe {deployed.version} L2) in block {deployed.block_number}")
    print(f"  transaction  0x{deployed.tx_hash.hex()} from {deployed.sender}, {deployed.gas_used:,} gas")
    print_lines(added_lines(deployed.added))
    return 0
