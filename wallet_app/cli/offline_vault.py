"""`custos offline vault add|show|list|change|update`: the vaults an offline signer signs for, anchored once by its
officer, and changed only by what their previous quorum signed.

- `show VAULT [--out FILE | --qr FILE.png]` prints the same facts and fingerprint on either side (online as read from
  the chain now, offline as anchored); online it can also write them as a `custos-vault` set-up UR.
- `add VAULT --version V --owner A ... --threshold K` or `add --from FILE` (the set-up UR) on the offline signer asks
  the officer to compare the fingerprint (or takes it with --fingerprint) before anything is kept.
- `change SAFE_TX_HASH --out FILE` (online) writes an executed owner change with its owners' signatures;
  `update FILE` (offline) applies it only if the anchored quorum signed it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_lines, with_profile, write_new_file
from wallet_app.errors import ConfigError, UserCancelled

if TYPE_CHECKING:
    from wallet_app.profiles import Profile
    from wallet_app.services import Services
    from wallet_app.vaults.anchors import VaultFacts


def register(actions: Commands[argparse.ArgumentParser]) -> None:
    vault = actions.add_parser("vault", help="the vaults an offline signer signs for")
    vault_actions = vault.add_subparsers(dest="vault_action", required=True)
    add = vault_actions.add_parser("add", help="anchor a vault on this offline signer (once)")
    add.add_argument("address", metavar="VAULT", nargs="?", default=None)
    add.add_argument("--version", default=None, help="the vault's Safe version, e.g. 1.4.1")
    add.add_argument("--owner", action="append", default=[], metavar="ADDRESS", help="an owner (repeat for each)")
    add.add_argument("--threshold", type=int, default=None, metavar="K")
    add.add_argument("--from", dest="from_file", type=Path, default=None, metavar="FILE",
                     help="read the vault from the set-up UR `offline vault show VAULT --out FILE` wrote online")
    add.add_argument("--label", default="", help="a name for the vault on this signer")
    add.add_argument("--fingerprint", default=None, metavar="TEXT",
                     help="the fingerprint `custos offline vault show VAULT` printed online (asked for otherwise)")
    add.set_defaults(handler=_add)
    show = vault_actions.add_parser("show", help="a vault's owners, threshold and fingerprint")
    show.add_argument("address", metavar="VAULT")
    where = show.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None, metavar="FILE", help="online: also write the set-up UR")
    where.add_argument("--qr", type=Path, default=None, metavar="FILE.png", help="online: the set-up UR as a QR code")
    show.set_defaults(handler=_show)
    change = vault_actions.add_parser("change", help="online: write an executed owner change with its signatures")
    change.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    change.add_argument("--out", type=Path, required=True, metavar="FILE")
    change.set_defaults(handler=_change)
    update = vault_actions.add_parser("update", help="offline: apply an owner change the anchored quorum signed")
    update.add_argument("file", type=Path, metavar="FILE")
    update.set_defaults(handler=_update)
    listing = vault_actions.add_parser("list", help="the vaults anchored on this offline signer")
    listing.set_defaults(handler=_list)


def facts_lines(facts: VaultFacts) -> list[str]:
    return [f"Vault        {facts.address}{' (' + facts.label + ')' if facts.label else ''}",
            f"Chain id     {facts.chain_id}", f"Safe         {facts.version}",
            f"Threshold    {facts.threshold} of {len(facts.owners)}",
            *(f"Owner        {o}" for o in facts.owners), f"Fingerprint  {facts.fingerprint_words}"]


def _add(args: argparse.Namespace) -> int:
    from wallet_app.vaults.anchors import AnchorStore

    def work(profile: Profile) -> int:
        if not profile.is_offline:
            raise ConfigError("Vaults are anchored on an offline signer profile; an online profile reads its vaults "
                              "from the chain (custos safe add)")
        from wallet_app.audit.profile_log import build_audit_log

        facts, how = _given_facts(args, profile.config.chain_id)
        print_lines(facts_lines(facts))
        given = args.fingerprint if args.fingerprint is not None else _ask_fingerprint()
        if _squash(given) != _squash(facts.fingerprint_words):
            raise ConfigError("The fingerprint does not match the one computed here: an owner, the threshold, the "
                              "version or the address differs from the online desktop's. Nothing was anchored")
        store = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id, audit=build_audit_log(profile))
        store.anchor(facts, how=how)
        print(f"Anchored {facts.address}: this signer now reviews requests for it")
        return 0

    return with_profile(args, work)


def _show(args: argparse.Namespace) -> int:
    from wallet_app.vaults.anchors import AnchorStore, vault_facts

    def work(profile: Profile) -> int:
        if profile.is_offline:
            if args.out is not None or args.qr is not None:
                raise ConfigError("The set-up UR is written online, from the vault as the chain shows it")
            anchored = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id).require(args.address)
            print_lines(facts_lines(anchored.facts))
            return 0
        from wallet_app.services import build_services

        services = build_services(profile)
        try:
            info = services.vaults.inspect(args.address).info
        finally:
            services.close()
        facts = vault_facts(profile.config.chain_id, info.address, info.version, info.owners, info.threshold,
                            info.label)
        print_lines(facts_lines(facts))
        if args.out is not None or args.qr is not None:
            from wallet_app.ur.qr_png import qr_png
            from wallet_app.ur.ur import encode_ur
            from wallet_app.vaults.anchor_setup import setup_ur

            text = encode_ur(setup_ur(facts)).upper()
            write_new_file(args.out or args.qr, (text + "\n").encode("ascii") if args.out else qr_png(text))
            print(f"Wrote the set-up UR to {args.out or args.qr}: read it on the offline signer "
                  "(custos offline vault add --from FILE) and compare the fingerprint it shows.")
        else:
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


def _given_facts(args: argparse.Namespace, chain_id: int) -> tuple[VaultFacts, str]:
    from wallet_app.offline.transport import read_text_file
    from wallet_app.ur.ur import decode_parts
    from wallet_app.vaults.anchor_setup import facts_from_setup
    from wallet_app.vaults.anchors import HOW_SETUP_QR, HOW_TYPED, vault_facts

    if args.from_file is not None:
        if args.address or args.version or args.owner or args.threshold is not None:
            raise ConfigError("Give either --from FILE or the vault's address, --version, --owner and --threshold")
        lines = [line.strip() for line in read_text_file(args.from_file, "set-up file") if line.strip()]
        facts = facts_from_setup(decode_parts(lines))
        if facts.chain_id != chain_id:
            raise ConfigError(f"The set-up is for chain {facts.chain_id}; this signer signs for chain {chain_id}")
        if args.label:
            facts = vault_facts(facts.chain_id, facts.address, facts.version, facts.owners, facts.threshold,
                                args.label)
        return facts, HOW_SETUP_QR
    if not args.address or not args.version or not args.owner or args.threshold is None:
        raise ConfigError("Give the vault's address, --version, --owner (each) and --threshold, or --from FILE")
    return vault_facts(chain_id, args.address, args.version, args.owner, args.threshold, args.label), HOW_TYPED


def _change(args: argparse.Namespace) -> int:
    from wallet_app.cli.common import with_services
    from wallet_app.offline.vault_change import export_change

    def work(services: Services) -> int:
        data, summary = export_change(services.queue, args.safe_tx_hash)
        write_new_file(args.out, data)
        print(f"Wrote the owner change {summary} to {args.out}: apply it on the offline signer with custos offline "
              "vault update FILE")
        return 0

    return with_services(args, work)


def _update(args: argparse.Namespace) -> int:
    from wallet_app.audit.profile_log import build_audit_log
    from wallet_app.offline.anchor_changes import apply_change_file
    from wallet_app.offline.transport import read_text_file
    from wallet_app.vaults.anchors import AnchorStore

    raw = "\n".join(read_text_file(args.file, "vault change file")).encode("utf-8")

    def work(profile: Profile) -> int:
        if not profile.is_offline:
            raise ConfigError("Owner changes are applied on an offline signer profile; an online one reads the chain")
        store = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id, audit=build_audit_log(profile))
        before, after = apply_change_file(store, raw)
        print(f"Applied the owner change at nonce {after.last_change_nonce}, signed by the anchored quorum "
              f"({before.facts.threshold} of {len(before.facts.owners)}):")
        print_lines(facts_lines(after.facts))
        print(f"It was {before.facts.fingerprint_words}; compare the new fingerprint with the online desktop's.")
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
