"""`custos profile list|create`: the profiles in the data directory, and a new one for a real network."""

from __future__ import annotations

import argparse
import json

from wallet_app.cli.common import Commands


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    profile = commands.add_parser("profile", help="profiles").add_subparsers(dest="action", required=True)
    profile_list = profile.add_parser("list", help="list the profiles in the data directory")
    profile_list.add_argument("--json", action="store_true", help="print JSON")
    profile_list.set_defaults(handler=_profile_list)
    create = profile.add_parser("create", help="create a profile for a real network, or an offline signer")
    create.add_argument("name")
    create.add_argument("--network", required=True,
                        choices=["hashkey", "hashkey-testnet", "ethereum", "sepolia", "custom", "devnet"],
                        help="the chain (devnet: the embedded devnet's chain id, for an offline signer only)")
    create.add_argument("--rpc-url", action="append", default=[],
                        help="JSON-RPC endpoint (repeat for fallbacks); required unless --offline")
    create.add_argument("--offline", action="store_true",
                        help="an air-gapped signer: never connects to a network (no --rpc-url); signs requests "
                             "brought by QR code or file")
    create.add_argument("--chain-id", type=int, default=None, help="required for --network custom")
    create.add_argument("--database-url", default=None, metavar="URL",
                        help="a PostgreSQL database shared by the team (postgresql://USER@HOST:PORT/DATABASE; keep the "
                             "password in ~/.pgpass, not in the URL) instead of the profile's own SQLite file")
    create.set_defaults(handler=_profile_create)


def _profile_list(args: argparse.Namespace) -> int:
    from wallet_app.config import list_profiles, resolve_home

    names = list_profiles(resolve_home(args.home))
    print(json.dumps(names) if args.json else "\n".join(names))  # one line: scripts read it so
    return 0


def _profile_create(args: argparse.Namespace) -> int:
    from wallet_app.config import ProfileConfig
    from wallet_app.domain.network import PRESETS
    from wallet_app.errors import ConfigError
    from wallet_app.profiles import create_profile

    preset = PRESETS[args.network]
    chain_id = args.chain_id if args.chain_id is not None else preset.chain_id
    if chain_id <= 0:
        raise ConfigError("--chain-id is required for a custom network and must be positive")
    if args.offline and (args.rpc_url or args.database_url):
        raise ConfigError("An offline profile never connects to a network: give no --rpc-url or --database-url")
    if not args.offline and not args.rpc_url:
        raise ConfigError("--rpc-url is required (or --offline for an air-gapped signer)")
    if not args.offline and args.network == "devnet":
        raise ConfigError("The embedded devnet's profile is made by custos demo init; --network devnet is for an "
                          "offline signer (--offline)")
    for url in args.rpc_url:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"'{url[:60]}' is not an http(s) URL")
    database_url = None
    if args.database_url is not None:
        from wallet_app.storage.database import open_database, postgres_url

        database_url = postgres_url(args.database_url).render_as_string(hide_password=False)
        open_database(database_url).dispose()  # unreachable or too new: refused before the profile is written
    config = ProfileConfig(name=args.name, network=args.network, chain_id=chain_id, rpc_urls=tuple(args.rpc_url),
                           database_url=database_url, offline=args.offline)
    profile = create_profile(args.home, config)
    kind = "the offline signer profile" if args.offline else "the profile"
    print(f"Created {kind} '{profile.name}' ({preset.name}, chain id {chain_id}) in {profile.paths.root}")
    if args.offline:
        print("Next: add its keys (custos keys ...), anchor its vaults (custos offline vault add) and import the "
              "policy bundle (custos policy import FILE)")
    if database_url is not None:
        from wallet_app.storage.database import describe_url

        print(f"Its database is the PostgreSQL database {describe_url(database_url)}")
    profile.close()
    return 0
