"""`custos reserves publish | verify`: proof of reserves, a Merkle-sum tree of investors' entitlements beside a proof
of the vault's balance at the same block. `verify` needs no profile. Exit codes as `custos proof`: 0 valid, 1
invalid, 2 unusable input."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_lines, with_services
from wallet_app.cli.proof_io import read_json_file, run_check
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.proofs.checks import Verdict
    from wallet_app.proofs.reserves import Published
    from wallet_app.services import Services

MAX_CSV_BYTES = 256 * 1024 * 1024


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    reserves = commands.add_parser("reserves", help="proof of reserves: entitlements against a proven balance")
    sub = reserves.add_subparsers(dest="reserves_command", required=True, metavar="COMMAND")
    publish = sub.add_parser("publish", help="build the entitlements tree, prove the vault's balance, write it all")
    publish.add_argument("--asset", required=True, help="the token's address")
    publish.add_argument("--vault", required=True, help="the vault that holds the reserves")
    publish.add_argument("--entitlements", type=Path, required=True,
                         help="FILE.csv with columns investor_id and amount (an integer in the token's units)")
    publish.add_argument("--out", type=Path, required=True,
                         help="DIR to create: root.json and inclusions/ with one file per investor")
    publish.set_defaults(handler=_publish)
    verify = sub.add_parser("verify", help="check one investor's inclusion and that the total is covered")
    verify.add_argument("--root", type=Path, required=True, help="ROOT.json as published")
    verify.add_argument("--inclusion", type=Path, required=True, help="the investor's inclusion FILE.json")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=_verify)


def _publish(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.domain.network import OP_STACK_CHAIN_IDS
    from wallet_app.proofs.entitlements import read_entitlements
    from wallet_app.proofs.reserves import publish_reserves

    out: Path = args.out
    if out.exists():
        raise ConfigError(f"{out} already exists; publish into a new folder")
    asset, vault = to_checksum(args.asset), to_checksum(args.vault)
    try:
        with args.entitlements.open("rb") as handle:
            data = handle.read(MAX_CSV_BYTES + 1)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The entitlements file {args.entitlements} cannot be read as UTF-8 text "
                          f"({exc.__class__.__name__})") from None
    if len(data) > MAX_CSV_BYTES:
        raise ConfigError(f"The entitlements file is larger than {MAX_CSV_BYTES:,} bytes")
    entries = read_entitlements(text)

    def work(services: Services) -> Published:
        chain_id = services.profile.config.chain_id
        published = publish_reserves(services.chain, chain_id, asset=asset, vault=vault, entries=entries, out=out,
                                     created_at=datetime.now(UTC), op_stack=chain_id in OP_STACK_CHAIN_IDS)
        services.audit.record_export(kind="proof of reserves", fmt="json", path=out, subject=vault,
                                     detail={"asset": asset, "block": published.block_number,
                                             "investors": published.investors, "total": str(published.total)})
        return published

    published = with_services(args, work)
    print_lines([
        f"Published the reserves of {asset} in vault {vault} at block {published.block_number} to {out}",
        f"  {published.investors} investors, entitlements {published.total} base units, "
        f"proven balance {published.proven_balance}",
        f"  root 0x{published.root_hash.hex()}; give each investor their own file from {out / 'inclusions'}",
    ])
    return 0


def _verify(args: argparse.Namespace) -> int:
    def check() -> Verdict:
        from wallet_app.proofs.reserves import verify_reserves

        return verify_reserves(read_json_file(args.root, "root file"), read_json_file(args.inclusion, "inclusion"))

    return run_check(args, check)
