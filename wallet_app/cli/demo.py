"""`custos demo init`: the demo institution on its embedded devnet."""

from __future__ import annotations

import argparse

from wallet_app.cli.common import Commands


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="the demo institution").add_subparsers(dest="action", required=True)
    demo_init = demo.add_parser("init", help="create the demo profile and its devnet (does nothing if it exists)")
    demo_init.set_defaults(handler=_demo_init)


def _demo_init(args: argparse.Namespace) -> int:
    from wallet_app.demo.demo_cold import (
        COLD_THRESHOLD,
        DEMO_SIGNER_PROFILE,
        SHARE_HOLDERS,
        SHARE_PASSPHRASES,
        SHARES_DIR,
    )
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
    shares = result.profile_dir.parent.parent / SHARES_DIR
    print(f"The cold vault's key exists only as {len(SHARE_HOLDERS)} shares ({COLD_THRESHOLD} needed), in {shares}; "
          f"its share records are on the offline signer profile '{DEMO_SIGNER_PROFILE}'. Share passphrases: "
          + ", ".join(f"{holder}: {passphrase}" for holder, passphrase in zip(SHARE_HOLDERS, SHARE_PASSPHRASES,
                                                                               strict=True)))
    return 0
