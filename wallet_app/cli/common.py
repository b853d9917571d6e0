"""What every command module of the CLI shares: services opened from the arguments, secret files, output as text or
JSON, and the exit codes.

A command module reads the same way each time: `register(commands)` builds its parser, each handler checks its
arguments, calls one service through `with_services` (or `with_keys`, `with_profile`), and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from wallet_app.errors import ConfigError, WalletError

if TYPE_CHECKING:
    from wallet_app.keys.service import KeyService
    from wallet_app.profiles import Profile
    from wallet_app.services import Services

T = TypeVar("T")
Commands = argparse._SubParsersAction  # what `add_subparsers` returns; argparse names it nowhere public
Handler = Callable[[argparse.Namespace], int]

EXIT_ERROR = 1  # an error, bad input, or a refusal (a policy deny, a blocked vault, a failed execution)
EXIT_CANCELLED = 130  # the user cancelled (Ctrl+C, a cancelled prompt)


def with_profile(args: argparse.Namespace, work: Callable[[Profile], T]) -> T:
    """Open the profile named by --home/--profile, run `work` on it, and close it whatever happens."""
    from wallet_app.profiles import open_profile

    profile = open_profile(args.home, args.profile)
    try:
        return work(profile)
    finally:
        profile.close()


def with_services(args: argparse.Namespace, work: Callable[[Services], T]) -> T:
    """Open the profile and its services, run `work`, and close them again whatever happens."""
    from wallet_app.services import build_services

    def run(profile: Profile) -> T:
        services = build_services(profile)
        try:
            return work(services)
        finally:
            services.close()

    return with_profile(args, run)


def with_keys(args: argparse.Namespace, work: Callable[[KeyService], T]) -> T:
    """The profile's key service alone (no chain): run `work`, then lock every key again."""
    from wallet_app.profile_keys import build_key_service

    def run(profile: Profile) -> T:
        keys = build_key_service(profile)
        try:
            return work(keys)
        finally:
            keys.lock_all()

    return with_profile(args, run)


def read_secret_file(path: Path, what: str) -> str:
    """The first line of a file holding a secret, without its line end. The secret is never echoed."""
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


def print_json(value: Any, *, ensure_ascii: bool = True) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=ensure_ascii))


def print_lines(lines: Iterable[str], *, indent: str = "") -> None:
    print("\n".join(indent + line for line in lines))


def fail(exc: WalletError) -> int:
    """The error as one line on stderr starting 'custos: error:', nothing on stdout; exit code 1. The commands whose
    exit codes carry a decision (`policy check`, the `safe` commands) report errors this way."""
    print(f"custos: error: {' '.join(exc.user_message.split())}", file=sys.stderr)
    return EXIT_ERROR


def visible_lines(text: str) -> str:
    """Text from outside (labels, reasons, decoded intents) with invisible and bidi characters made visible, line by
    line: its own line breaks stay line breaks."""
    from wallet_app.holdings.views import make_visible

    return "\n".join(make_visible(line) for line in text.split("\n"))
def write_new_file(out: Path, data: bytes) -> None:
    """`data` as a new file (never over one), written whole before it appears; FileRefused in words otherwise."""
    from wallet_app.storage.atomic import write_new_file as write

    write(out, data)
