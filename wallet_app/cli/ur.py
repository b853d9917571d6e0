"""`custos ur decode|encode`: Uniform Resources (BC-UR) as ERC-4527 signers exchange them, for scripts and checks.

- `ur decode UR... [--json] [--file F]`: one UR, or the parts of a multi-part UR in any order (arguments, or the
  lines of a file): its type and `cbor_hex`, and for the ERC-4527 types their fields.
- `ur encode TYPE CBOR_HEX [--max-fragment N [--parts K]]`: the single-part UR, or with a fragment size K parts one a
  line (default twice the number of fragments: the fountain parts after the first sequence let a reader that
  misses frames still decode).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wallet_app.cli.common import Commands, print_json, print_lines
from wallet_app.errors import ConfigError


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    ur = commands.add_parser("ur", help="decode and encode Uniform Resources (BC-UR, ERC-4527)")
    actions = ur.add_subparsers(dest="action", required=True)
    decode = actions.add_parser("decode", help="decode one UR or the parts of a multi-part UR")
    decode.add_argument("parts", nargs="*", metavar="UR")
    decode.add_argument("--file", type=Path, default=None, metavar="F", help="read the parts from the lines of F")
    decode.add_argument("--json", action="store_true", help="print JSON")
    decode.set_defaults(handler=_decode)
    encode = actions.add_parser("encode", help="a UR of TYPE carrying CBOR_HEX")
    encode.add_argument("type", metavar="TYPE")
    encode.add_argument("cbor_hex", metavar="CBOR_HEX")
    encode.add_argument("--max-fragment", type=int, default=None, metavar="N", help="bytes of CBOR per part")
    encode.add_argument("--parts", type=int, default=None, metavar="K", help="how many parts to print")
    encode.set_defaults(handler=_encode)


def _decode(args: argparse.Namespace) -> int:
    from wallet_app.offline.transport import read_text_file
    from wallet_app.ur.eth_types import decode_registry_ur, fields_json
    from wallet_app.ur.ur import decode_parts

    parts = list(args.parts)
    if args.file is not None:
        parts += [line.strip() for line in read_text_file(args.file, "UR file") if line.strip()]
    if not parts:
        raise ConfigError("Give a UR (or its parts) as arguments or with --file F")
    ur = decode_parts(parts)
    result: dict[str, Any] = {"type": ur.type, "cbor_hex": ur.cbor.hex()}
    if ur.type in ("eth-sign-request", "eth-signature", "crypto-hdkey", "crypto-account"):
        result.update(fields_json(decode_registry_ur(ur.type, ur.cbor)))
    if args.json:
        print_json(result)
    else:
        print_lines(f"{key:<19}{'' if value is None else value}" for key, value in result.items()
                    if not isinstance(value, list))
    return 0


def _encode(args: argparse.Namespace) -> int:
    from wallet_app.ur.ur import UR, UREncoder, encode_ur

    text = args.cbor_hex.strip().removeprefix("0x")
    try:
        cbor = bytes.fromhex(text)
    except ValueError:
        raise ConfigError("CBOR_HEX must be hex digits (an even number of them)") from None
    if len(cbor) > 1024 * 1024:
        raise ConfigError("CBOR_HEX is over 1 MiB, the most Custos reads back")
    ur = UR(args.type, cbor)
    if args.max_fragment is None:
        if args.parts is not None:
            raise ConfigError("--parts needs --max-fragment")
        print(encode_ur(ur))
        return 0
    if not 10 <= args.max_fragment <= 100_000:
        raise ConfigError("--max-fragment must be from 10 to 100000 bytes")
    encoder = UREncoder(ur, args.max_fragment)
    count = args.parts if args.parts is not None else 2 * encoder.fragment_count
    if not 1 <= count <= 100_000:
        raise ConfigError("--parts must be from 1 to 100000")
    print_lines(encoder.next_part() for _ in range(count))
    return 0
