"""`custos tokens ...`: the profile's token registry: add, discover, approve with an officer's signature, remove,
and the NAV feed a token takes its value from.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_json, print_lines, read_secret_file, with_services

if TYPE_CHECKING:
    from wallet_app.holdings.registry import TokenEntry


def register(commands: Commands[argparse.ArgumentParser]) -> None:
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
    licensed = actions.add_parser("set-licensed", help="mark a stablecoin as a licensed issuer's (the Travel Rule "
                                                       "then applies to every transfer of it) or not")
    licensed.add_argument("token", metavar="TOKEN", help="a reviewed stablecoin's address")
    licensed.add_argument("licensed", choices=("yes", "no"))
    licensed.set_defaults(handler=_tokens_set_licensed)


def _token_line(token: TokenEntry) -> str:
    from wallet_app.holdings.views import make_visible

    state = f"reviewed by {token.reviewed_by}" if token.reviewed_by else "reviewed" if token.verified else "UNREVIEWED"
    line = (f"{make_visible(token.symbol) or '(no symbol)':<12} {token.standard.value:<8} {token.address}  "
            f"{token.source:<10} {state}  {make_visible(token.name)}")
    return line + (f"\n    spam: {make_visible(token.spam_reason)}" if token.spam_reason else "")


def _print_tokens(tokens: list[TokenEntry], as_json: bool) -> None:
    from wallet_app.holdings.token_service import build_token_json

    if as_json:
        print_json([build_token_json(t) for t in tokens])
    else:
        print("\n".join(_token_line(t) for t in tokens) or "No tokens.")


def _tokens_list(args: argparse.Namespace) -> int:
    tokens = with_services(args, lambda services: services.tokens.load_tokens())
    _print_tokens(tokens, args.json)
    return 0


def _tokens_add(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.address)  # a bad address is refused before the profile is opened
    token = with_services(args, lambda services: services.tokens.add_token(address))
    if args.json:
        from wallet_app.holdings.token_service import build_token_json

        print_json(build_token_json(token))
    else:
        print(_token_line(token))
    return 0


def _tokens_discover(args: argparse.Namespace) -> int:
    from wallet_app.errors import ConfigError

    if args.from_block < 0:
        raise ConfigError("--from-block must be a block number (0 or more)")
    result = with_services(args, lambda services: services.tokens.discover_tokens(args.from_block))
    if args.json:
        print_json(result.to_json())
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
    approval = with_services(args, lambda services: services.tokens.approve_token(address, key, password))
    if args.json:
        print_json(approval.to_json())
    else:
        print(_token_line(approval.token))
        print(f"Approved with the signature 0x{approval.signature.hex()} of {key} over:")
        print_lines(approval.message.splitlines(), indent="    ")
    return 0


def _tokens_remove(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.address)
    token = with_services(args, lambda services: services.tokens.remove_token(address))
    print(f"Removed the unreviewed token {token.address} from the registry")
    return 0


def _tokens_set_feed(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.errors import ConfigError

    if (args.feed is None) == (not args.none):
        raise ConfigError("Give either FEED (a configured nav feed's address) or --none, not both and not neither")
    token = to_checksum(args.token)
    feed = None if args.none else to_checksum(args.feed)
    change = with_services(args, lambda services: services.feeds.set_token_feed(token, feed))
    print_lines(change.notes)
    return 0


def _tokens_set_licensed(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum

    address = to_checksum(args.token)
    token = with_services(args, lambda services: services.tokens.set_licensed(address, args.licensed == "yes"))
    state = "a licensed issuer's stablecoin: every transfer of it carries Travel Rule data" \
        if args.licensed == "yes" else "a stablecoin (the Travel Rule threshold applies to it)"
    print(f"{token.address} is now {state}")
    return 0
