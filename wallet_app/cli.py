"""The `custos` command line: the same services as the window, for scripting and for the tests."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from wallet_app import __version__
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from wallet_app.holdings.feed_admin import FeedView
    from wallet_app.holdings.registry import TokenEntry
    from wallet_app.holdings.statement import Statement
    from wallet_app.keys.service import KeyService
    from wallet_app.keys.views import KeyView
    from wallet_app.profiles import Profile
    from wallet_app.services import Services

Handler = Callable[[argparse.Namespace], int]
PdfRenderer = Callable[["Statement", Path], Path]
T = TypeVar("T")


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

    demo = commands.add_parser("demo", help="the demo institution").add_subparsers(dest="action", required=True)
    demo_init = demo.add_parser("init", help="create the demo profile and its devnet (does nothing if it exists)")
    demo_init.set_defaults(handler=_demo_init)

    devnet = commands.add_parser("devnet", help="the profile's embedded devnet").add_subparsers(
        dest="action", required=True
    )
    serve = devnet.add_parser("serve", help="serve the devnet as JSON-RPC on 127.0.0.1 until interrupted")
    serve.add_argument("--port", type=int, default=8545, help="TCP port on 127.0.0.1 (0 picks a free one)")
    serve.set_defaults(handler=_devnet_serve)

    vaults = commands.add_parser("vaults", help="the profile's Safe vaults").add_subparsers(
        dest="action", required=True
    )
    vaults_list = vaults.add_parser("list", help="read every vault from the chain")
    vaults_list.add_argument("--json", action="store_true", help="print JSON")
    vaults_list.set_defaults(handler=_vaults_list)

    network = commands.add_parser("network", help="the profile's network").add_subparsers(
        dest="action", required=True
    )
    status = network.add_parser("status", help="connect and show chain id and block height")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_network_status)

    holdings = commands.add_parser("holdings", help="every holding of the profile's accounts at one block")
    holdings.add_argument("--account", action="append", default=None, metavar="ADDRESS",
                          help="only this account (repeat for several; any address may be given)")
    holdings.add_argument("--block", type=int, default=None, metavar="N", help="read at block N (default: latest)")
    holdings.add_argument("--json", action="store_true", help="print JSON")
    holdings.set_defaults(handler=_holdings)

    history = commands.add_parser("history", help="token transfers in and out of one of the profile's accounts")
    history.add_argument("--account", required=True, metavar="ADDRESS", help="a vault, key or investor of the profile")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=_history)

    _add_keys_commands(commands)
    _add_tokens_commands(commands)
    _add_feeds_commands(commands)
    from wallet_app.cli_policy import add_policy_commands
    add_policy_commands(commands)
    from wallet_app.cli_audit import add_audit_commands
    add_audit_commands(commands)
    from wallet_app.cli_safe import add_safe_commands
    add_safe_commands(commands)

    statement = commands.add_parser("statement", help="write a holding statement of one account (CSV or PDF)")
    statement.add_argument("--account", required=True, help="the account's address")
    statement.add_argument("--out", type=Path, required=True, help="FILE.csv or FILE.pdf")
    statement.add_argument("--block", type=int, default=None, help="read at this block (default: the latest)")
    statement.set_defaults(handler=_statement)

    profile = commands.add_parser("profile", help="profiles").add_subparsers(dest="action", required=True)
    profile_list = profile.add_parser("list", help="list the profiles in the data directory")
    profile_list.add_argument("--json", action="store_true", help="print JSON")
    profile_list.set_defaults(handler=_profile_list)
    create = profile.add_parser("create", help="create a profile for a real network")
    create.add_argument("name")
    create.add_argument("--network", required=True,
                        choices=["hashkey", "hashkey-testnet", "ethereum", "sepolia", "custom"])
    create.add_argument("--rpc-url", action="append", default=[], required=True,
                        help="JSON-RPC endpoint (repeat for fallbacks)")
    create.add_argument("--chain-id", type=int, default=None, help="required for --network custom")
    create.add_argument("--database-url", default=None, metavar="URL",
                        help="a PostgreSQL database shared by the team (postgresql://USER@HOST:PORT/DATABASE; keep the "
                             "password in ~/.pgpass, not in the URL) instead of the profile's own SQLite file")
    create.set_defaults(handler=_profile_create)
    return parser


def _add_keys_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="the profile's keys").add_subparsers(dest="action", required=True)
    listing = keys.add_parser("list", help="list the keys: kind, address, label, vaults owned")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_keys_list)
    create = keys.add_parser("create", help="create a key (OS random generator) in an encrypted keystore")
    create.add_argument("--label", required=True)
    create.add_argument("--password-file", type=Path, required=True)
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(handler=_keys_create)
    imp = keys.add_parser("import", help="import a key from a private key or a BIP-39 mnemonic")
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("--private-key-file", type=Path)
    source.add_argument("--mnemonic-file", type=Path)
    imp.add_argument("--path", default="m/44'/60'/0'/0/0", help="derivation path for --mnemonic-file")
    imp.add_argument("--label", required=True)
    imp.add_argument("--password-file", type=Path, required=True)
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(handler=_keys_import)
    export = keys.add_parser("export", help="write an encrypted backup of a keystore key")
    export.add_argument("address")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--password-file", type=Path, required=True)
    export.set_defaults(handler=_keys_export)
    delete = keys.add_parser("delete", help="delete a key (its keystore file and any remembered secret)")
    delete.add_argument("address")
    delete.add_argument("--pin-file", type=Path, default=None,
                        help="for an HSM key: also destroy the key inside the token, with this PIN")
    delete.set_defaults(handler=_keys_delete)
    watch = keys.add_parser("watch", help="add a watch-only address")
    watch.add_argument("address")
    watch.add_argument("--label", required=True)
    watch.add_argument("--json", action="store_true", help="print JSON")
    watch.set_defaults(handler=_keys_watch)
    hsm = keys.add_parser("hsm", help="keys in a PKCS#11 HSM").add_subparsers(dest="hsm_action", required=True)
    hsm_add = hsm.add_parser("add", help="add a key held by an HSM (or generate one in it with --generate)")
    hsm_add.add_argument("--module", required=True, help="path of the PKCS#11 library")
    hsm_add.add_argument("--token", required=True, help="token label")
    hsm_add.add_argument("--key-label", required=True, help="label of the key object on the token")
    hsm_add.add_argument("--pin-file", type=Path, required=True)
    hsm_add.add_argument("--generate", action="store_true", help="generate a new secp256k1 key inside the token")
    hsm_add.add_argument("--label", default=None, help="label in Custos (default: the key label)")
    hsm_add.add_argument("--json", action="store_true", help="print JSON")
    hsm_add.set_defaults(handler=_keys_hsm_add)


def main(argv: Sequence[str] | None = None, *, pdf_renderer: PdfRenderer | None = None) -> int:
    """Run one command. `pdf_renderer` typesets statements as PDF; the core has none (it has no Qt), the
    installed `custos` command passes the desktop's."""
    args = build_parser().parse_args(argv)
    args.pdf_renderer = pdf_renderer
    handler: Handler = args.handler
    try:
        return handler(args)
    except UserCancelled:
        return 130
    except WalletError as exc:
        print(f"custos: {exc.user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _demo_init(args: argparse.Namespace) -> int:
    from wallet_app.demo.setup import DEMO_PASSWORD, DEMO_PROFILE, ensure_demo

    result = ensure_demo(args.home)
    if result.set_aside is not None:
        print(f"The demo profile was damaged; it was moved, untouched, to {result.set_aside}")
    if result.created:
        print(f"Created the demo profile '{DEMO_PROFILE}' in {result.profile_dir}")
    else:
        print(f"The demo profile '{DEMO_PROFILE}' already exists in {result.profile_dir}; nothing changed")
    print(f"Demo keys are protected by the demo password: {DEMO_PASSWORD}")
    print("Demo keys exist only in the demo profile; never send real funds to them.")
    return 0


def _devnet_serve(args: argparse.Namespace) -> int:
    from wallet_app.chain.devnet import Devnet, serve_devnet
    from wallet_app.profiles import open_profile

    profile = open_profile(args.home, args.profile)
    if not profile.preset.embedded:
        raise WalletError(f"The profile '{profile.name}' is on {profile.preset.name}, not on the embedded devnet")
    with Devnet.open(profile.paths.devnet) as devnet:
        server = serve_devnet(devnet, args.port)
        print(f"Serving the '{profile.name}' devnet (chain id {devnet.chain_id}) at {server.url}", flush=True)
        print("Other Custos processes of this profile now use it; stop with Ctrl+C.", flush=True)
        try:
            server.serve_forever()
        finally:
            server.shutdown()
    return 0


def _with_services(args: argparse.Namespace, work: Callable[[Services], T]) -> tuple[Profile, T]:
    """Open the profile and its services, run `work`, and close them again whatever happens."""
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(args.home, args.profile)
    try:
        services = build_services(profile)
        try:
            return profile, work(services)
        finally:
            services.close()
    finally:
        profile.close()


def _vaults_list(args: argparse.Namespace) -> int:
    from wallet_app.domain.units import format_units

    profile, infos = _with_services(args, lambda services: services.vaults.fetch_vaults())
    if args.json:
        print(json.dumps([info.to_json() for info in infos], indent=2))
        return 0
    preset = profile.preset
    for info in infos:
        balance = format_units(info.balance, preset.native_decimals)
        print(f"{info.label}  {info.address}  Safe {info.version}  {info.threshold} of {len(info.owners)}  "
              f"nonce {info.nonce}  {balance} {preset.native_symbol}")
        for owner in info.owners:
            print(f"    owner {owner}")
    return 0


def _network_status(args: argparse.Namespace) -> int:
    _profile, status = _with_services(args, lambda services: services.network.fetch_status())
    if args.json:
        print(json.dumps({"network": status.network_name, "chain_id": status.chain_id,
                          "block_number": status.block_number, "state": status.state.value,
                          "endpoint": status.endpoint, "message": status.message}, indent=2))
    else:
        block = "-" if status.block_number is None else str(status.block_number)
        print(f"{status.network_name}  chain {status.chain_id}  block {block}  {status.state.value}  "
              f"{status.endpoint}  {status.message}".rstrip())
    return 0 if status.block_number is not None else 1


def _holdings(args: argparse.Namespace) -> int:
    from wallet_app.errors import ConfigError
    from wallet_app.holdings.views import build_snapshot_json, build_table_lines

    if args.block is not None and args.block < 0:
        raise ConfigError("--block must be a block number (0 or more)")
    _profile, snapshot = _with_services(
        args, lambda services: services.holdings.fetch_holdings(accounts=args.account, block=args.block)
    )
    if args.json:
        print(json.dumps(build_snapshot_json(snapshot), indent=2))
    else:
        print("\n".join(build_table_lines(snapshot)))
    return 0


def _history(args: argparse.Namespace) -> int:
    from wallet_app.domain.units import format_units

    _profile, views = _with_services(args, lambda services: services.history.fetch_history(args.account))
    if args.json:
        print(json.dumps([view.to_json() for view in views], indent=2))
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


def _with_keys(args: argparse.Namespace, work: Callable[[KeyService], T]) -> T:
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_key_service

    profile = open_profile(args.home, args.profile)
    try:
        keys = build_key_service(profile)
        try:
            return work(keys)
        finally:
            keys.lock_all()
    finally:
        profile.close()


def _print_key(view: KeyView, as_json: bool) -> None:
    if as_json:
        print(json.dumps(view.to_json(), indent=2))
    else:
        owns = f"  owns {', '.join(view.vaults)}" if view.vaults else ""
        print(f"{view.kind.value:<9} {view.address}  {view.label}{owns}")


def _keys_list(args: argparse.Namespace) -> int:
    views = _with_keys(args, lambda keys: keys.load_keys())
    if args.json:
        print(json.dumps([v.to_json() for v in views], indent=2))
    else:
        for view in views:
            _print_key(view, False)
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    password = read_secret_file(args.password_file, "password")
    _print_key(_with_keys(args, lambda keys: keys.create_key(args.label, password)), args.json)
    return 0


def _keys_import(args: argparse.Namespace) -> int:
    password = read_secret_file(args.password_file, "password")
    if args.private_key_file is not None:
        secret = read_secret_file(args.private_key_file, "private key")
        view = _with_keys(args, lambda keys: keys.import_private_key(secret, args.label, password))
    else:
        words = read_secret_file(args.mnemonic_file, "mnemonic")
        view = _with_keys(args, lambda keys: keys.import_mnemonic(words, args.path, args.label, password))
    _print_key(view, args.json)
    return 0


def _keys_export(args: argparse.Namespace) -> int:
    password = read_secret_file(args.password_file, "password")
    out = _with_keys(args, lambda keys: keys.export_backup(args.address, args.out, password))
    print(f"Wrote an encrypted backup of {args.address} to {out}")
    return 0


def _keys_delete(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.address)
    if sys.stdin.isatty():
        answer = input(f"Delete {address} and its keystore file for good? Type the last 6 characters to confirm: ")
        if answer.strip().lower() != address[-6:].lower():
            print("Nothing was deleted.")
            return 1
    pin = read_secret_file(args.pin_file, "PIN") if args.pin_file is not None else None
    _with_keys(args, lambda keys: keys.delete_key(address, hsm_pin=pin))
    print(f"Deleted {address}; the deletion is recorded in the profile")
    return 0


def _keys_watch(args: argparse.Namespace) -> int:
    _print_key(_with_keys(args, lambda keys: keys.add_watch(args.address, args.label)), args.json)
    return 0


def _keys_hsm_add(args: argparse.Namespace) -> int:
    pin = read_secret_file(args.pin_file, "PIN")
    label = args.label or args.key_label
    view = _with_keys(
        args, lambda keys: keys.add_hsm_key(args.module, args.token, args.key_label, pin, label, args.generate)
    )
    _print_key(view, args.json)
    return 0


def _add_tokens_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="the profile's token registry: add, discover, approve, remove")
    actions = tokens.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every token with its standard, source, review state and spam flags")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_tokens_list)
    add = actions.add_parser("add", help="detect the token at ADDRESS and add it, unreviewed")
    add.add_argument("address")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(handler=_tokens_add)
    discover = actions.add_parser("discover", help="add, unreviewed, the tokens sent to the profile's accounts")
    discover.add_argument("--from-block", type=int, default=0, metavar="N", help="read from block N (default: 0)")
    discover.add_argument("--json", action="store_true", help="print JSON")
    discover.set_defaults(handler=_tokens_discover)
    approve = actions.add_parser("approve", help="approve an unreviewed token with a signature of a profile key")
    approve.add_argument("address")
    approve.add_argument("--key", required=True, metavar="ADDRESS", help="the profile key that signs the approval")
    approve.add_argument("--password-file", type=Path, required=True, help="the key's password (or PIN)")
    approve.add_argument("--json", action="store_true", help="print JSON")
    approve.set_defaults(handler=_tokens_approve)
    remove = actions.add_parser("remove", help="remove an unreviewed token from the registry")
    remove.add_argument("address")
    remove.set_defaults(handler=_tokens_remove)
    set_feed = actions.add_parser("set-feed", help="name the configured nav feed a token takes its NAV from")
    set_feed.add_argument("token", metavar="TOKEN", help="the token's address")
    set_feed.add_argument("feed", metavar="FEED", nargs="?", default=None, help="a configured nav feed's address")
    set_feed.add_argument("--none", action="store_true", help="name no NAV feed: the token is not valued")
    set_feed.set_defaults(handler=_tokens_set_feed)


def _token_line(token: TokenEntry) -> str:
    from wallet_app.holdings.views import make_visible

    state = f"reviewed by {token.reviewed_by}" if token.reviewed_by else "reviewed" if token.verified else "UNREVIEWED"
    line = (f"{make_visible(token.symbol) or '(no symbol)':<12} {token.standard.value:<8} {token.address}  "
            f"{token.source:<10} {state}  {make_visible(token.name)}")
    return line + (f"\n    spam: {make_visible(token.spam_reason)}" if token.spam_reason else "")


def _print_tokens(tokens: list[TokenEntry], as_json: bool) -> None:
    from wallet_app.holdings.token_service import build_token_json

    if as_json:
        print(json.dumps([build_token_json(t) for t in tokens], indent=2))
    else:
        print("\n".join(_token_line(t) for t in tokens) or "No tokens.")


def _tokens_list(args: argparse.Namespace) -> int:
    _profile, tokens = _with_services(args, lambda services: services.tokens.load_tokens())
    _print_tokens(tokens, args.json)
    return 0


def _tokens_add(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.address)  # a bad address is refused before the profile is opened
    _profile, token = _with_services(args, lambda services: services.tokens.add_token(address))
    if args.json:
        from wallet_app.holdings.token_service import build_token_json

        print(json.dumps(build_token_json(token), indent=2))
    else:
        print(_token_line(token))
    return 0


def _tokens_discover(args: argparse.Namespace) -> int:
    from wallet_app.errors import ConfigError

    if args.from_block < 0:
        raise ConfigError("--from-block must be a block number (0 or more)")
    _profile, result = _with_services(args, lambda services: services.tokens.discover_tokens(args.from_block))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    print(f"Read blocks {result.from_block} to {result.head} for {result.accounts} accounts: "
          f"{result.contracts} contracts sent them transfers; new tokens added, unreviewed: {len(result.added)}")
    for token in result.added:
        print(_token_line(token))
    for _address, reason in result.skipped:
        print(f"not added: {reason}")
    return 0


def _tokens_approve(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address, key = to_checksum(args.address), to_checksum(args.key)
    password = read_secret_file(args.password_file, "password")
    _profile, approval = _with_services(args, lambda services: services.tokens.approve_token(address, key, password))
    if args.json:
        print(json.dumps(approval.to_json(), indent=2))
    else:
        print(_token_line(approval.token))
        print(f"Approved with the signature 0x{approval.signature.hex()} of {key} over:")
        print("\n".join(f"    {line}" for line in approval.message.splitlines()))
    return 0


def _tokens_remove(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.address)
    _profile, token = _with_services(args, lambda services: services.tokens.remove_token(address))
    print(f"Removed the unreviewed token {token.address} from the registry")
    return 0


def _tokens_set_feed(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.errors import ConfigError

    if (args.feed is None) == (not args.none):
        raise ConfigError("Give either FEED (a configured nav feed's address) or --none, not both and not neither")
    token = to_checksum(args.token)
    feed = None if args.none else to_checksum(args.feed)
    _profile, change = _with_services(args, lambda services: services.feeds.set_token_feed(token, feed))
    print("\n".join(change.notes))
    return 0


def _add_feeds_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feeds = commands.add_parser("feeds", help="the profile's price feeds (AggregatorV3): list, add, remove")
    actions = feeds.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every configured feed and the tokens linked to it")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_feeds_list)
    add = actions.add_parser("add", help="check on chain that ADDRESS is an AggregatorV3 feed and configure it")
    add.add_argument("address")
    add.add_argument("--kind", required=True, choices=["nav", "fx"],
                     help="nav: a token's NAV per unit in CODE; fx: HKD per 1 unit of CODE")
    add.add_argument("--currency", required=True, metavar="CODE", help="three upper-case letters (ISO 4217)")
    add.add_argument("--max-age-hours", required=True, metavar="H",
                     help="an older answer is stale and values nothing (more than 0, at most 720)")
    add.add_argument("--reports-now", action="store_true",
                     help="the feed reports every answer as current (updatedAt is the block's time)")
    add.add_argument("--label", default="", metavar="TEXT", help="your words for it")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(handler=_feeds_add)
    remove = actions.add_parser("remove", help="remove a feed no token links to")
    remove.add_argument("address")
    remove.set_defaults(handler=_feeds_remove)


def _feed_lines(view: FeedView) -> list[str]:
    from wallet_app.holdings.views import make_visible

    now = "  reports now" if view.reports_now else ""
    lines = [f"{view.kind:<3} {make_visible(view.currency):<4} max {view.max_age_hours} h{now}  {view.address}  "
             f"{make_visible(view.label)}".rstrip()]
    lines.append("    linked: " + (", ".join(t.describe() for t in view.tokens) or "no token"))
    if view.kind == "fx" and view.converts_for:
        lines.append("    converts for: " + ", ".join(t.describe() for t in view.converts_for))
    if view.note:
        lines.append(f"    NOT USED: {view.note}")
    return lines


def _feeds_list(args: argparse.Namespace) -> int:
    _profile, views = _with_services(args, lambda services: services.feeds.load_feeds())
    if args.json:
        print(json.dumps([v.to_json() for v in views], indent=2))
    else:
        print("\n".join(line for v in views for line in _feed_lines(v)) or "No price feeds are configured.")
    return 0


def _feeds_add(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.holdings.feed_admin import parse_max_age_hours
    from wallet_app.holdings.views import make_visible

    address = to_checksum(args.address)  # refused before the profile is opened
    max_age = parse_max_age_hours(args.max_age_hours)
    _profile, added = _with_services(args, lambda services: services.feeds.add_feed(
        address, kind=args.kind, currency=args.currency, max_age_seconds=max_age, reports_now=args.reports_now,
        label=args.label))
    if args.json:
        print(json.dumps(added.to_json(), indent=2))
        return 0
    feed, said = added.feed, added.reading.description
    described = "has no description()" if said is None else f"describes itself as \"{make_visible(said)}\""
    print(f"Added the {feed.kind} feed {feed.address} ({feed.currency}, max {feed.max_age_hours} h); it {described}")
    for note in added.notes:
        print(f"    {note}")
    return 0


def _feeds_remove(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.address)
    _profile, removed = _with_services(args, lambda services: services.feeds.remove_feed(address))
    print(f"Removed the {removed.feed.kind} feed {removed.feed.address} ({removed.feed.currency})")
    for note in removed.notes:
        print(f"    {note}")
    return 0


def read_secret_file(path: Path, what: str) -> str:
    """The first line of a file holding a secret, without its line end. The secret is never echoed."""
    from wallet_app.errors import ConfigError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The {what} file {path} cannot be read ({exc.__class__.__name__})") from None
    lines = text.splitlines()
    secret = lines[0] if lines else ""
    if what == "mnemonic":
        secret = " ".join(text.split())
    if not secret:
        raise ConfigError(f"The {what} file {path} is empty")
    return secret


def _statement(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.errors import ConfigError
    from wallet_app.holdings.statement import build_statement, render_csv

    out: Path = args.out
    kind = out.suffix.lower()
    if kind not in (".csv", ".pdf"):
        raise ConfigError(f"{out.name}: a statement is written as .csv or .pdf")
    if kind == ".pdf" and args.pdf_renderer is None:
        raise ConfigError("This installation has no PDF writer (it needs the desktop part of Custos); use .csv")
    if out.exists():
        raise ConfigError(f"{out} already exists; choose another file name")
    account = to_checksum(args.account)

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

    _profile, statement = _with_services(args, write)
    print(f"Wrote the statement of {account} at block {statement.block_number} to {out}")
    return 0


def _profile_list(args: argparse.Namespace) -> int:
    from wallet_app.config import list_profiles, resolve_home

    names = list_profiles(resolve_home(args.home))
    print(json.dumps(names) if args.json else "\n".join(names))
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
    for url in args.rpc_url:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"'{url[:60]}' is not an http(s) URL")
    database_url = None
    if args.database_url is not None:
        from wallet_app.storage.database import open_database, postgres_url

        database_url = postgres_url(args.database_url).render_as_string(hide_password=False)
        open_database(database_url).dispose()  # unreachable or too new: refused before the profile is written
    config = ProfileConfig(name=args.name, network=args.network, chain_id=chain_id, rpc_urls=tuple(args.rpc_url),
                           database_url=database_url)
    profile = create_profile(args.home, config)
    print(f"Created the profile '{profile.name}' ({preset.name}, chain id {chain_id}) in {profile.paths.root}")
    if database_url is not None:
        from wallet_app.storage.database import describe_url

        print(f"Its database is the PostgreSQL database {describe_url(database_url)}")
    profile.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
