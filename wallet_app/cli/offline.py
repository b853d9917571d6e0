"""`custos offline ...`: signing on an air-gapped machine, by animated QR code or by file.

Online desktop:
- `offline request SAFE_TX_HASH --key ADDRESS (--out FILE | --qr-dir DIR) [--max-fragment N]`: a sign request for
  that owner (an ERC-4527 eth-sign-request with the SafeTx as EIP-712 typed data, and Custos's custos-check with what
  was checked online); a file of UR lines, or one PNG per frame of the animation plus `parts.txt`.
- `offline import FILE`: the eth-signature an offline signer wrote, stored as that owner's approval.
Offline signer profile:
- `offline vault add VAULT --version V --owner A [--owner B ...] --threshold K [--label L] [--fingerprint F]`: anchor
  a vault once, after comparing its fingerprint with `offline vault show VAULT` on the online desktop.
- `offline vault show VAULT` (either side) and `offline vault list`.
- `offline sign REQUEST_FILE --key ADDRESS --password-file F --out FILE [--confirm SAFE_TX_HASH]`: review the request
  on this machine and sign it after the officer confirmed the safeTxHash computed here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_lines, read_secret_file, with_profile, with_services, write_new_file
from wallet_app.errors import ConfigError, UserCancelled

if TYPE_CHECKING:
    from collections.abc import Sequence

    from wallet_app.profiles import Profile
    from wallet_app.services import Services
    from wallet_app.ur.ur import UR


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    offline = commands.add_parser("offline", help="air-gapped signing: requests, the offline signer, answers")
    actions = offline.add_subparsers(dest="action", required=True)
    request = actions.add_parser("request", help="a sign request for an owner who signs on an offline machine")
    request.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH",
                         help="a queued transaction's safeTxHash, or a statement's SafeMessage hash")
    request.add_argument("--key", required=True, metavar="ADDRESS", help="the owner who signs offline")
    add_request_outputs(request)
    request.set_defaults(handler=_request)
    imported = actions.add_parser("import", help="take back an offline signer's answer (an eth-signature file)")
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.set_defaults(handler=_import)
    sign = actions.add_parser("sign", help="review a sign request on this offline signer and sign it")
    sign.add_argument("request_file", type=Path, metavar="REQUEST_FILE")
    sign.add_argument("--key", required=True, metavar="ADDRESS")
    sign.add_argument("--password-file", required=True, type=Path, metavar="F")
    sign.add_argument("--out", required=True, type=Path, metavar="FILE", help="where the eth-signature UR goes")
    sign.add_argument("--confirm", default=None, metavar="SAFE_TX_HASH",
                      help="the safeTxHash you compared with the online screen (asked for when not given)")
    sign.set_defaults(handler=_sign)
    from wallet_app.cli import offline_pairing, offline_vault

    offline_vault.register(actions)
    offline_pairing.register(actions)


def add_request_outputs(parser: argparse.ArgumentParser) -> None:
    """--out FILE or --qr-dir DIR, and --max-fragment N: where a sign request goes, and how."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, metavar="FILE", help="write the request as UR lines (SD-card transport)")
    where.add_argument("--qr-dir", type=Path, metavar="DIR", help="write one PNG per QR frame and parts.txt")
    parser.add_argument("--max-fragment", type=int, default=None, metavar="N",
                        help="bytes per QR frame (default 200; 20 to 2000)")


def check_request_outputs(args: argparse.Namespace) -> None:
    """Refuse a bad --max-fragment or a --qr-dir with files in it, before anything is asked of the chain."""
    if args.max_fragment is not None and not 20 <= args.max_fragment <= 2000:
        raise ConfigError("--max-fragment must be from 20 to 2000 bytes")
    if args.qr_dir is not None and args.qr_dir.exists() and any(args.qr_dir.iterdir()):
        raise ConfigError(f"{args.qr_dir} is not empty; give a new or empty folder")


def write_request(args: argparse.Namespace, urs: Sequence[UR]) -> str:
    """The request's URs to --out (UR lines) or --qr-dir (frames); where they went, in words."""
    from wallet_app.offline.transport import DEFAULT_FRAGMENT, frames
    from wallet_app.ur.ur import encode_ur

    if args.out is not None:
        write_new_file(args.out, ("\n".join(encode_ur(ur).upper() for ur in urs) + "\n").encode("ascii"))
        return str(args.out)
    return write_qr_frames(args.qr_dir, frames(list(urs), args.max_fragment or DEFAULT_FRAGMENT))


def _request(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.offline.rendering import MESSAGE_NAMES, TX_NAMES, compare_instruction, hash_lines
    from wallet_app.offline.requests import OfflineRequests

    check_request_outputs(args)
    owner = to_checksum(args.key)

    def work(services: Services) -> int:
        requests = OfflineRequests(queue=services.queue, engine=services.profile.engine, audit=services.audit,
                                   messages=services.messages, key_origins=services.keys.offline_origin)
        sent = requests.create(args.safe_tx_hash, owner)
        where = write_request(args, sent.urs)
        checked = ([f"checked online at block {sent.block_number}: {sent.decision}"] if sent.block_number is not None
                   else [])
        names = TX_NAMES if sent.block_number is not None else MESSAGE_NAMES
        print_lines([f"Sign request {sent.sign_request.request_id} for {owner}", *hash_lines(sent.hashes, names),
                     *checked, f"written to {where}",
                     compare_instruction("safeTxHash" if sent.block_number is not None else "SafeMessage hash")])
        return 0

    return with_services(args, work)


def write_qr_frames(folder: Path, parts: list[str]) -> str:
    from wallet_app.ur.qr_png import qr_png

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{folder} could not be made: {exc.strerror or exc.__class__.__name__}") from None
    width = len(str(len(parts)))
    for number, part in enumerate(parts, start=1):
        write_new_file(folder / f"frame-{number:0{width}d}.png", qr_png(part))
    write_new_file(folder / "parts.txt", ("\n".join(parts) + "\n").encode("ascii"))
    return f"{folder} ({len(parts)} frames)"


def _import(args: argparse.Namespace) -> int:
    from wallet_app.offline.requests import OfflineRequests
    from wallet_app.offline.transport import read_signature_lines, read_text_file

    answer = read_signature_lines(read_text_file(args.file, "answer file"))

    def work(services: Services) -> int:
        if services.account_ceremony.answers_account_request(answer):
            entry = services.account_ceremony.import_answer(answer, transport="file")
            print_lines([f"Imported the cold ceremony's signed transaction for {entry.tx_hash}",
                         f"{entry.item.state}: send it with custos account-vault send {entry.tx_hash}"])
            return 0
        requests = OfflineRequests(queue=services.queue, engine=services.profile.engine, audit=services.audit,
                                   messages=services.messages)
        imported = requests.import_answer(answer, transport="file")
        print_lines([f"Imported the offline signature for {imported.subject_hash}",
                     f"{imported.state}: {imported.signed} of {imported.threshold} signatures"])
        return 0

    return with_services(args, work)


def _sign(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.offline.rendering import review_lines
    from wallet_app.offline.signer import build_offline_signer
    from wallet_app.offline.transport import read_request_lines, read_text_file
    from wallet_app.ur.ur import UR, encode_ur

    key = to_checksum(args.key)
    password = read_secret_file(args.password_file, "password")
    read = read_request_lines(read_text_file(args.request_file, "request file"))
    if args.out.exists():
        raise ConfigError(f"{args.out} already exists; choose another file name")

    def work(profile: Profile) -> int:
        signer = build_offline_signer(profile)
        review = signer.check(read)
        if review.signer != key:
            raise ConfigError(f"The request asks {review.signer} to sign, not {key}")
        print_lines(review_lines(review))
        confirmed = args.confirm if args.confirm is not None else _ask_confirmation(review.can_sign)
        if not review.can_sign:
            signer.refuse(review)
        answer = signer.approve(read, password, confirmed_hash=confirmed)
        write_new_file(args.out, (encode_ur(UR(answer.UR_TYPE, answer.to_cbor())).upper() + "\n").encode("ascii"))
        print(f"Signed. The answer is in {args.out}: take it to the online desktop (custos offline import).")
        return 0

    return with_profile(args, work)


def _ask_confirmation(can_sign: bool) -> str:
    if not can_sign:
        return ""
    if not sys.stdin.isatty():
        raise ConfigError("Give --confirm SAFE_TX_HASH (the safeTxHash above, as the online screen shows it) to sign")
    try:
        return input("Type the safeTxHash shown on the online screen to sign (anything else cancels): ")
    except EOFError:
        raise UserCancelled() from None
