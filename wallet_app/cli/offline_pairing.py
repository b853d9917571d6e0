"""`custos offline account` (on the offline signer) and `custos offline pair` (on the online desktop): the offline
signer's account shown as a crypto-hdkey UR, and recorded online as a key of kind offline (no secret)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_lines, read_secret_file, with_keys, with_profile, write_new_file
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.keys.service import KeyService
    from wallet_app.profiles import Profile


def register(actions: Commands[argparse.ArgumentParser]) -> None:
    account = actions.add_parser("account", help="show this offline signer's key as a crypto-hdkey UR for pairing")
    account.add_argument("--key", required=True, metavar="ADDRESS")
    account.add_argument("--password-file", required=True, type=Path, metavar="F")
    account.add_argument("--device", required=True, metavar="NAME", help="this device's name, e.g. 'Ben's signer'")
    where = account.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, metavar="FILE", help="write the UR as a line of text")
    where.add_argument("--qr", type=Path, metavar="FILE.png", help="write the UR as a QR code image")
    account.set_defaults(handler=_account)
    pair = actions.add_parser("pair", help="record an offline signer's key from its crypto-hdkey UR (no secret)")
    pair.add_argument("file", type=Path, metavar="FILE", help="the UR, as `offline account --out` wrote it")
    pair.add_argument("--label", required=True, help="the officer's name for the key")
    pair.set_defaults(handler=_pair)


def _account(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.offline.signer import build_offline_signer
    from wallet_app.ur.qr_png import qr_png
    from wallet_app.ur.ur import encode_ur

    address = to_checksum(args.key)
    password = read_secret_file(args.password_file, "password")
    for path in (args.out, args.qr):
        if path is not None and path.exists():
            raise ConfigError(f"{path} already exists; choose another file name")

    def work(profile: Profile) -> int:
        if not profile.is_offline:
            raise ConfigError("Pairing shows an offline signer's key: run it on the offline signer profile")
        text = encode_ur(build_offline_signer(profile).account_ur(address, password, args.device)).upper()
        if args.out is not None:
            write_new_file(args.out, (text + "\n").encode("ascii"))
        else:
            write_new_file(args.qr, qr_png(text))
        print_lines([f"Account {address} of '{args.device}'", f"written to {args.out or args.qr}",
                     "Scan or import it on the online desktop: custos offline pair FILE --label NAME"])
        return 0

    return with_profile(args, work)


def _pair(args: argparse.Namespace) -> int:
    from wallet_app.offline.pairing import paired_accounts
    from wallet_app.offline.transport import read_text_file
    from wallet_app.ur.ur import decode_parts

    lines = [line.strip() for line in read_text_file(args.file, "account file") if line.strip()]
    if not lines:
        raise ConfigError(f"{args.file.name} holds no UR")
    accounts = paired_accounts(decode_parts(lines))

    def work(keys: KeyService) -> int:
        for account in accounts:
            view = keys.add_offline(account.address, args.label if len(accounts) == 1 else
                                    f"{args.label} ({account.path or account.address[:10]})", device=account.device,
                                    path=account.path, fingerprint=account.fingerprint)
            print(f"Paired {view.address} ({view.label}) on '{account.device}', key origin {account.path or '-'}")
        return 0

    return with_keys(args, work)
