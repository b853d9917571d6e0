"""`custos offline vault add|show|list`: the vaults an offline signer signs for, anchored once by its officer.

`show VAULT` prints the same facts and fingerprint on either side: on the online desktop as read from the chain now,
on the offline signer as anchored. `add` on the offline signer asks the officer to compare that fingerprint (or takes
it with --fingerprint) before anything is kept.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_lines, with_profile
from wallet_app.errors import ConfigError, UserCancelled

if TYPE_CHECKING:
    from wallet_app.profiles import Profile
    from wallet_app.vaults.anchors import VaultFacts


def register(actions: Commands[argparse.ArgumentParser]) -> None:
    vault = actions.add_parser("vault", help="the vaults an offline signer signs for")
    vault_actions = vault.add_subparsers(dest="vault_action", required=True)
    add = vault_actions.add_parser("add", help="anchor a vault on this offline signer (once)")
    add.add_argument("address", metavar="VAULT")
    add.add_argument("--version", required=True, help="the vault's Safe version, e.g. 1.4.1")
    add.add_argument("--owner", action="append", required=True, metavar="ADDRESS", help="an owner (repeat for each)")
    add.add_argument("--threshold", required=True, type=int, metavar="K")
    add.add_argument("--label", default="", help="a name for the vault on this signer")
    add.add_argument("--fingerprint", default=None, metavar="TEXT",
                     help="the fingerprint `custos offline vault show VAULT` printed online (asked for otherwise)")
    add.set_defaults(handler=_add)
    show = vault_actions.add_parser("show", help="a vault's owners, threshold and fingerprint")
    show.add_argument("address", metavar="VAULT")
    show.set_defaults(handler=_show)
    listing = vault_actions.add_parser("list", help="the vaults anchored on this offline signer")
    listing.set_defaults(handler=_list)


def facts_lines(facts: VaultFacts) -> list[str]:
    return [f"Vault        {facts.address}{' (' + facts.label + ')' if facts.label else ''}",
            f"Chain id     {facts.chain_id}", f"Safe         {facts.version}",
            f"Threshold    {facts.threshold} of {len(facts.owners)}",
            *(f"Owner        {o}" for o in facts.owners), f"Fingerprint  {facts.fingerprint_words}"]


def _add(args: argparse.Namespace) -> int:
    from wallet_app.vaults.anchors import HOW_TYPED, AnchorStore, vault_facts

    def work(profile: Profile) -> int:
        if not profile.is_offline:
            raise ConfigError("Vaults are anchored on an offline signer profile; an online profile reads its vaults "
                              "from the chain (custos safe add)")
        from wallet_app.audit.profile_log import build_audit_log

        facts = vault_facts(profile.config.chain_id, args.address, args.version, args.owner, args.threshold,
                            args.label)
        print_lines(facts_lines(facts))
        given = args.fingerprint if args.fingerprint is not None else _ask_fingerprint()
        if _squash(given) != _squash(facts.fingerprint_words):
            raise ConfigError("The fingerprint does not match the one computed here: an owner, the threshold, the "
                              "version or the address differs from the online desktop's. Nothing was anchored")
        store = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id, audit=build_audit_log(profile))
        store.anchor(facts, how=HOW_TYPED)
        print(f"Anchored {facts.address}: this signer now reviews requests for it")
        return 0

    return with_profile(args, work)


def _show(args: argparse.Namespace) -> int:
    from wallet_app.vaults.anchors import AnchorStore, vault_facts

    def work(profile: Profile) -> int:
        if profile.is_offline:
            anchored = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id).require(args.address)
            print_lines(facts_lines(anchored.facts))
            return 0
        from wallet_app.services import build_services

        services = build_services(profile)
        try:
            info = services.vaults.inspect(args.address).info
        finally:
            services.close()
        print_lines(facts_lines(vault_facts(profile.config.chain_id, info.address, info.version, info.owners,
                                            info.threshold, info.label)))
        print("Type these owners and threshold on the offline signer and compare the fingerprint it shows.")
        return 0

    return with_profile(args, work)


def _list(args: argparse.Namespace) -> int:
    from wallet_app.vaults.anchors import AnchorStore

    def work(profile: Profile) -> int:
        if not profile.is_offline:
            raise ConfigError("Only an offline signer profile anchors vaults; use custos vaults on this one")
        anchored = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id).load_all()
        if not anchored:
            print("No vault is anchored yet (custos offline vault add)")
        for a in anchored:
            f = a.facts
            print(f"{f.address}  {f.threshold} of {len(f.owners)}  Safe {f.version}  {f.fingerprint_words}  "
                  f"{f.label}")
        return 0

    return with_profile(args, work)


def _ask_fingerprint() -> str:
    if not sys.stdin.isatty():
        raise ConfigError("Give --fingerprint as `custos offline vault show VAULT` prints it on the online desktop")
    try:
        return input("Type the fingerprint the online desktop shows for this vault: ")
    except EOFError:
        raise UserCancelled() from None


def _squash(text: str) -> str:
    return "".join(text.split()).upper()
