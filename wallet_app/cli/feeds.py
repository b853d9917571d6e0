"""`custos feeds ...`: the profile's price feeds (AggregatorV3), each checked on chain before it is configured."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_json, with_services

if TYPE_CHECKING:
    from wallet_app.holdings.feed_admin import FeedView


def register(commands: Commands[argparse.ArgumentParser]) -> None:
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
    views = with_services(args, lambda services: services.feeds.load_feeds())
    if args.json:
        print_json([v.to_json() for v in views])
    else:
        print("\n".join(line for v in views for line in _feed_lines(v)) or "No price feeds are configured.")
    return 0


def _feeds_add(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.holdings.feed_admin import parse_max_age_hours
    from wallet_app.holdings.views import make_visible

    address = to_checksum(args.address)  # refused before the profile is opened
    max_age = parse_max_age_hours(args.max_age_hours)
    added = with_services(args, lambda services: services.feeds.add_feed(
        address, kind=args.kind, currency=args.currency, max_age_seconds=max_age, reports_now=args.reports_now,
        label=args.label))
    if args.json:
        print_json(added.to_json())
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
    removed = with_services(args, lambda services: services.feeds.remove_feed(address))
    print(f"Removed the {removed.feed.kind} feed {removed.feed.address} ({removed.feed.currency})")
    for note in removed.notes:
        print(f"    {note}")
    return 0
