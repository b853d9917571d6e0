"""The command-line options of one Safe transaction, shared by the commands that take one (`custos policy check`,
`custos safe tx-hash`, and the `safe` commands to come): how they are declared, read and checked.

Every option is read as text and checked strictly before anything is opened: whole numbers in decimal digits only
(never negative, below 2**256), call data as 0x and an even number of hex digits, the operation 0 or 1, and addresses
as `wallet_app.policy.check_request` accepts them (EIP-55 checksum or one case; plain ASCII only, B3/B4). A bad
value raises a `WalletError` whose one-line message names the option.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, NoReturn

from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.policy.check_request import CheckedFields, CheckRequest

_DIGITS = re.compile(r"[0-9]{1,80}")
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")


class ExitOneParser(argparse.ArgumentParser):
    """Argument errors exit 1 with one line on stderr, as every other error of the CLI (argparse's own code, 2, is
    `policy check`'s escalate)."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"custos: error: {message} (see `{self.prog} --help`)\n")


def add_transaction_options(parser: argparse.ArgumentParser, *, nonce_required: bool, nonce_help: str) -> None:
    """--to --value --data --operation --safe-tx-gas --base-gas --gas-price --gas-token --refund-receiver --nonce."""
    parser.add_argument("--to", required=True, metavar="ADDRESS")
    parser.add_argument("--value", default="0", metavar="N", help="native coin sent, in wei (whole base units)")
    parser.add_argument("--data", default="0x", metavar="HEX", help="call data, 0x and hex digits (default: none)")
    parser.add_argument("--operation", default="0", metavar="0|1", help="0 CALL (default) or 1 DELEGATECALL")
    parser.add_argument("--safe-tx-gas", default="0", metavar="N")
    parser.add_argument("--base-gas", default="0", metavar="N")
    parser.add_argument("--gas-price", default="0", metavar="N")
    parser.add_argument("--gas-token", default=None, metavar="ADDRESS", help="default: the zero address")
    parser.add_argument("--refund-receiver", default=None, metavar="ADDRESS", help="default: the zero address")
    parser.add_argument("--nonce", required=nonce_required, default=None, metavar="N", help=nonce_help)


def parse_uint(text: str, flag: str) -> int:
    """A whole number given in decimal digits; refuses a sign, a fraction, hex and anything else."""
    text = text.strip()
    if text.startswith("-") and _DIGITS.fullmatch(text[1:]):
        raise ConfigError(f"{flag} must not be negative ({text})")
    if not _DIGITS.fullmatch(text):
        raise ConfigError(f"{flag} must be a whole number in digits, such as 1000000 (got '{text[:40]}')")
    return int(text)


def parse_hex(text: str, flag: str) -> bytes:
    text = text.strip()
    if not _HEX.fullmatch(text):
        raise ConfigError(f"{flag} must be 0x followed by an even number of hex digits (got '{text[:40]}')")
    return bytes.fromhex(text[2:])


def parse_operation(text: str) -> int:
    if text.strip() not in ("0", "1"):
        raise ConfigError(f"--operation must be 0 (CALL) or 1 (DELEGATECALL), not '{text[:20]}'")
    return int(text)


def read_transaction(args: argparse.Namespace, *, proposer: str | None = None) -> tuple[CheckRequest, CheckedFields]:
    """The transaction given by `args` (`--safe` and the options of `add_transaction_options`), read and checked:
    the request as given, and its fields checked (addresses in EIP-55 form, numbers in range)."""
    from wallet_app.domain.safe_tx import ZERO_ADDRESS
    from wallet_app.policy.check_request import CheckRequest, check_request

    request = CheckRequest(
        safe=args.safe, to=args.to, value=parse_uint(args.value, "--value"), data=parse_hex(args.data, "--data"),
        operation=parse_operation(args.operation), safe_tx_gas=parse_uint(args.safe_tx_gas, "--safe-tx-gas"),
        base_gas=parse_uint(args.base_gas, "--base-gas"), gas_price=parse_uint(args.gas_price, "--gas-price"),
        gas_token=args.gas_token if args.gas_token is not None else ZERO_ADDRESS,
        refund_receiver=args.refund_receiver if args.refund_receiver is not None else ZERO_ADDRESS,
        nonce=None if args.nonce is None else parse_uint(args.nonce, "--nonce"), proposer=proposer,
    )
    return request, check_request(request)
