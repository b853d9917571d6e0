"""Every `--help` page of the `custos` command line, as a user sees it, for the test that keeps them unchanged.

    python -m tests.support.cli_help > tests/vectors/cli_help.txt

regenerates the reference after a deliberate change of wording (review the diff: users' scripts read it). The pages
are rendered at a fixed width of 120 columns, so the reference does not depend on the terminal.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

WIDTH = "120"


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:  # argparse keeps its subparsers here and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(command words, help text) for `parser` and every subcommand below it, depth first in declaration order."""
    yield path, parser.format_help()
    for name, child in _subcommands(parser):
        yield from walk(child, (*path, name))


def command_paths() -> list[tuple[str, ...]]:
    from wallet_app.cli import build_parser

    return [path for path, _ in walk(build_parser())]


def render_all() -> str:
    """Every page, each under a line naming the command."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        from wallet_app.cli import build_parser

        pages = [f"=== custos {' '.join(path)} --help\n{text}" for path, text in walk(build_parser())]
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(pages)


if __name__ == "__main__":
    print(render_all(), end="")
