"""`custos keys ...`: the profile's keys (encrypted keystores, the OS keyring, PKCS#11 HSMs, watch-only
addresses). Secrets are read from files, never from the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_json, read_secret_file, with_keys

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView


def register(commands: Commands[argparse.ArgumentParser]) -> None:
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


def _print_key(view: KeyView, as_json: bool) -> None:
    if as_json:
        print_json(view.to_json())
    else:
        owns = f"  owns {', '.join(view.vaults)}" if view.vaults else ""
        print(f"{view.kind.value:<9} {view.address}  {view.label}{owns}")


def _keys_list(args: argparse.Namespace) -> int:
    views = with_keys(args, lambda keys: keys.load_keys())
    if args.json:
        print_json([v.to_json() for v in views])
    else:
        for view in views:
            _print_key(view, False)
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    password = read_secret_file(args.password_file, "password")
    _print_key(with_keys(args, lambda keys: keys.create_key(args.label, password)), args.json)
    return 0


def _keys_import(args: argparse.Namespace) -> int:
    password = read_secret_file(args.password_file, "password")
    if args.private_key_file is not None:
        secret = read_secret_file(args.private_key_file, "private key")
        view = with_keys(args, lambda keys: keys.import_private_key(secret, args.label, password))
    else:
        words = read_secret_file(args.mnemonic_file, "mnemonic")
        view = with_keys(args, lambda keys: keys.import_mnemonic(words, args.path, args.label, password))
    _print_key(view, args.json)
    return 0


def _keys_export(args: argparse.Namespace) -> int:
    password = read_secret_file(args.password_file, "password")
    out = with_keys(args, lambda keys: keys.export_backup(args.address, args.out, password))
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
    with_keys(args, lambda keys: keys.delete_key(address, hsm_pin=pin))
    print(f"Deleted {address}; the deletion is recorded in the profile")
    return 0


def _keys_watch(args: argparse.Namespace) -> int:
    _print_key(with_keys(args, lambda keys: keys.add_watch(args.address, args.label)), args.json)
    return 0


def _keys_hsm_add(args: argparse.Namespace) -> int:
    pin = read_secret_file(args.pin_file, "PIN")
    label = args.label or args.key_label
    view = with_keys(
        args, lambda keys: keys.add_hsm_key(args.module, args.token, args.key_label, pin, label, args.generate)
    )
    _print_key(view, args.json)
    return 0
