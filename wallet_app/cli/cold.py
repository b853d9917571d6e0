"""`custos cold ...`: cold vaults on an offline signer profile, whose key exists only as SLIP-39 shares held by
officers (wallet_app.cold).

- `cold create --label L --threshold K --shares N --holder NAME (N times)`: the key ceremony. Each holder's words are
  shown once on this terminal, one holder at a time; with `--share-dir DIR --passphrase-file F (N times, in holder
  order)` each share is written instead as DIR/<i>-of-<N>-<holder>.custos-share, encrypted under its passphrase.
- `cold list [--json]`, `cold show ADDRESS [--json]`: the vaults, their share sets and who holds which share.
- `cold reshare ADDRESS --share FILE ... [--old-passphrase-file F ...] --threshold K --shares N --holder NAME ...
  [--share-dir DIR --passphrase-file F ...]`: the same key in a new share set, pending until confirmed.
- `cold confirm ADDRESS --share FILE ... [--passphrase-file F ...]`: K shares of the pending set make it active.
- `cold sign REQUEST_FILE [--share FILE ...] [--passphrase-file F ...] [--ask-words] --out FILE [--confirm HASH]`: the
  signing ceremony. The request (an eth-sign-request of a typed transaction and its custos-check, from the online
  desktop) is reviewed here (wallet_app.cold.review) and shown; with no refusal, and once the signing hash was typed
  or given with --confirm as compared with the online screen, K shares rebuild the key, which signs and is wiped;
  the eth-signature goes to --out (a new file).

A `--share FILE` is an encrypted share file or a text file of one share's words, told apart by content; each
encrypted one takes the next passphrase file, in order. `--ask-words` asks on the terminal (hidden) for the words of
the shares not given as files. No share or key is ever printed, except the words shown to their holder.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import Commands, print_json, print_lines, read_secret_file, with_profile, write_new_file
from wallet_app.errors import ConfigError, UserCancelled

if TYPE_CHECKING:
    from wallet_app.cold.ceremony import CeremonyResult, Delivered, Deliverer, Handout
    from wallet_app.cold.opening import EnteredShare
    from wallet_app.cold.store import ColdStore, ColdVault, ShareSet
    from wallet_app.profiles import Profile

CLEAR_SCREEN = "\033[2J\033[3J\033[H"  # the screen and its scrollback
WORDS_PER_ROW = 4


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    cold = commands.add_parser("cold", help="offline signer: cold vaults whose key only exists as officers' shares")
    actions = cold.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="the key ceremony: a new cold vault, its key split among holders")
    create.add_argument("--label", required=True, help="a name for the vault on this signer")
    _add_split_options(create)
    create.set_defaults(handler=_create)
    listing = actions.add_parser("list", help="the cold vaults of this offline signer")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="a cold vault's share sets and who holds which share")
    show.add_argument("address", metavar="ADDRESS")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)
    again = actions.add_parser("reshare", help="split the same key anew among new holders (pending until confirmed)")
    again.add_argument("address", metavar="ADDRESS")
    _add_share_inputs(again, "--old-passphrase-file", "of the current share set")
    _add_split_options(again)
    again.set_defaults(handler=_reshare)
    confirm = actions.add_parser("confirm", help="shares of a reshare's new set rebuild the key: make it active")
    confirm.add_argument("address", metavar="ADDRESS")
    _add_share_inputs(confirm, "--passphrase-file", "of the new share set")
    confirm.set_defaults(handler=_confirm)
    sign = actions.add_parser("sign", help="the signing ceremony: review a cold vault's transfer request and sign it "
                                           "with K officers' shares")
    sign.add_argument("request_file", type=Path, metavar="REQUEST_FILE",
                      help="the sign request from the online desktop (UR lines)")
    _add_share_inputs(sign, "--passphrase-file", "of the vault's current share set")
    sign.add_argument("--out", required=True, type=Path, metavar="FILE", help="where the eth-signature UR goes (a new "
                                                                              "file)")
    sign.add_argument("--confirm", default=None, metavar="HASH",
                      help="the signing hash you compared with the online screen (asked for when not given)")
    sign.set_defaults(handler=_sign)
    from wallet_app.cli import cold_sweep

    cold_sweep.register(actions)


def _add_split_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threshold", type=int, required=True, metavar="K", help="shares needed to rebuild the key")
    parser.add_argument("--shares", type=int, required=True, metavar="N", help="shares made, one for each holder")
    parser.add_argument("--holder", action="append", default=[], required=True, metavar="NAME",
                        help="who holds a share (repeat N times; share 1 goes to the first)")
    parser.add_argument("--share-dir", type=Path, default=None, metavar="DIR",
                        help="write each share as an encrypted file in DIR instead of showing its words")
    parser.add_argument("--passphrase-file", action="append", default=[], type=Path, metavar="F",
                        help="with --share-dir: a file holding the passphrase of a holder's new share file (repeat, in "
                             "holder order)")


def _add_share_inputs(parser: argparse.ArgumentParser, passphrase_option: str, which: str) -> None:
    parser.add_argument("--share", action="append", default=[], type=Path, metavar="FILE",
                        help=f"a share {which}: an encrypted share file or a text file of its words (repeat)")
    parser.add_argument(passphrase_option, action="append", default=[], type=Path, metavar="F",
                        help="the passphrase of each encrypted --share file, in the same order (repeat)")
    parser.add_argument("--ask-words", action="store_true",
                        help="ask on this terminal, hidden, for the words of the shares not given as files")


def _create(args: argparse.Namespace) -> int:
    from wallet_app.cold.ceremony import create_cold_vault

    deliver = _deliverer(args)

    def work(store: ColdStore) -> int:
        result = create_cold_vault(store, label=args.label, threshold=args.threshold, holders=args.holder,
                                   deliver=deliver)
        print_lines(_result_lines(result))
        print("The key was wiped: only the address and who holds which share are kept.")
        return 0

    return _with_store(args, work)


def _reshare(args: argparse.Namespace) -> int:
    from wallet_app.cold.ceremony import reshare

    deliver = _deliverer(args)

    def work(store: ColdStore) -> int:
        vault = store.require(args.address)
        shares = _entered(args.share, args.old_passphrase_file, "--old-passphrase-file", args.ask_words,
                          vault.active)
        result = reshare(store, vault.address, shares, threshold=args.threshold, holders=args.holder,
                         deliver=deliver)
        print_lines(_result_lines(result))
        print(f"The new share set is pending: the vault still opens with the shares of set "
              f"{vault.active.identifier} until {args.threshold} of the new shares confirm it (custos cold confirm "
              f"{vault.address} --share ...).")
        return 0

    return _with_store(args, work)


def _confirm(args: argparse.Namespace) -> int:
    from wallet_app.cold.ceremony import confirm_reshare

    def work(store: ColdStore) -> int:
        vault = store.require(args.address)
        pending = vault.pending
        if pending is None:
            raise ConfigError(f"{vault.address} has no reshare waiting for confirmation (custos cold reshare)")
        shares = _entered(args.share, args.passphrase_file, "--passphrase-file", args.ask_words, pending)
        confirmed = confirm_reshare(store, vault.address, shares)
        print(f"Share set {confirmed.active.identifier} is now the vault's ({confirmed.active.threshold} of "
              f"{confirmed.active.share_count}); the shares of set {vault.active.identifier} are refused from now on.")
        return 0

    return _with_store(args, work)


def _sign(args: argparse.Namespace) -> int:
    from eth_hash.auto import keccak

    from wallet_app.cold.review import cold_review_lines
    from wallet_app.cold.signer_setup import native_coin, review_on_signer
    from wallet_app.cold.signing import check_confirmed, refuse_cold, sign_cold
    from wallet_app.offline.signer import build_offline_signer
    from wallet_app.offline.transport import read_request_lines, read_text_file
    from wallet_app.ur.ur import UR, encode_ur

    read = read_request_lines(read_text_file(args.request_file, "request file"))
    if args.out.exists():
        raise ConfigError(f"{args.out} already exists; choose another file name")

    def work(store: ColdStore, profile: Profile) -> int:
        signer = build_offline_signer(profile)
        review = review_on_signer(read, signer=signer, store=store, native=native_coin(profile))
        print_lines(cold_review_lines(review))
        if not review.can_sign:
            refuse_cold(review, signer.audit)
        confirmed = args.confirm if args.confirm is not None else _ask_hash()
        check_confirmed(review, confirmed)  # before any officer enters a share
        shares = _entered(args.share, args.passphrase_file, "--passphrase-file", args.ask_words, review.vault.active)
        answer = sign_cold(review, shares, store=store, journal=signer.journal, audit=signer.audit,
                           confirmed_hash=confirmed)
        write_new_file(args.out, (encode_ur(UR(answer.UR_TYPE, answer.to_cbor())).upper() + "\n").encode("ascii"))
        signed = review.tx.signed_bytes(answer.v, answer.r, answer.s)
        print_lines([f"Signed by the cold vault {review.vault.address}; its key was wiped.",
                     f"Transaction hash {'0x' + keccak(signed).hex()} (once broadcast)",
                     f"The answer is in {args.out}: take it to the online desktop, which broadcasts the transaction."])
        return 0

    return _with_profile_store(args, work)


def _ask_hash() -> str:
    if not sys.stdin.isatty():
        raise ConfigError("Give --confirm HASH (the signing hash above, as the online screen shows it) to sign")
    try:
        return input("Type the signing hash shown on the online screen to sign (anything else cancels): ")
    except EOFError:
        raise UserCancelled() from None


def _list(args: argparse.Namespace) -> int:
    def work(store: ColdStore) -> int:
        vaults = store.load_all()
        if args.json:
            print_json([_vault_json(v, brief=True) for v in vaults])
        elif not vaults:
            print("No cold vault yet (custos cold create)")
        for v in vaults if not args.json else ():
            active = v.active
            pending = "  (reshare pending)" if v.pending is not None else ""
            print(f"{v.address}  {active.threshold} of {active.share_count}  set {active.identifier}  "
                  f"{v.label}{pending}")
        return 0

    return _with_store(args, work)


def _show(args: argparse.Namespace) -> int:
    def work(store: ColdStore) -> int:
        vault = store.require(args.address)
        if args.json:
            print_json(_vault_json(vault, brief=False))
            return 0
        print_lines([f"Cold vault   {vault.address}{' (' + vault.label + ')' if vault.label else ''}",
                     f"Chain id     {vault.chain_id}", f"Created      {vault.created_at:%Y-%m-%d %H:%M UTC}"])
        for s in reversed(vault.sets):
            print_lines(["", *_set_lines(s)])
        return 0

    return _with_store(args, work)


def _with_store(args: argparse.Namespace, work: Callable[[ColdStore], int]) -> int:
    return _with_profile_store(args, lambda store, _profile: work(store))


def _with_profile_store(args: argparse.Namespace, work: Callable[[ColdStore, Profile], int]) -> int:
    from wallet_app.cold.signer_setup import cold_store

    def run(profile: Profile) -> int:
        if not profile.is_offline:
            raise ConfigError("Cold vaults live on an offline signer profile (custos profile create NAME --offline); "
                              "this profile goes online, so no cold vault key is ever made or rebuilt here")
        return work(cold_store(profile), profile)

    return with_profile(args, run)


def _deliverer(args: argparse.Namespace) -> Deliverer:
    from wallet_app.cold.ceremony import ShareFileWriter

    if args.shares != len(args.holder):
        raise ConfigError(f"--shares {args.shares} needs as many --holder options ({len(args.holder)} given)")
    if args.share_dir is None:
        if args.passphrase_file:
            raise ConfigError("--passphrase-file goes with --share-dir (the files it writes); without it the words "
                              "are shown on this terminal")
        return TerminalWords()
    passphrases = [read_secret_file(path, "passphrase") for path in args.passphrase_file]
    return ShareFileWriter(args.share_dir, passphrases)


class TerminalWords:
    """Shows each holder their share's words once on this terminal, one holder at a time, clearing the screen before
    and after; the holder confirms they wrote them down (anything but "yes" cancels the ceremony)."""

    def __init__(self, *, ask: Callable[[str], str] = input, show: Callable[[str], None] = print,
                 is_terminal: Callable[[], bool] | None = None) -> None:
        self._ask = ask
        self._show = show
        self._is_terminal = is_terminal or (lambda: sys.stdin.isatty() and sys.stdout.isatty())

    def prepare(self, holders: Sequence[str], share_count: int) -> None:
        if not self._is_terminal():
            raise ConfigError("The shares' words are shown only on an interactive terminal, so that no pipe or file "
                              "keeps them; run this in a terminal, or give --share-dir DIR and a --passphrase-file "
                              "for each holder to write encrypted share files")

    def __call__(self, handout: Handout) -> Delivered:
        from wallet_app.cold.ceremony import Delivered
        from wallet_app.cold.store import DELIVERY_WORDS

        number = f"share {handout.member_index + 1} of {handout.share_count}"
        self._show(CLEAR_SCREEN + f"Cold vault {handout.vault}: {number}, for {handout.holder}.\n"
                   f"Only {handout.holder} should see this screen now.")
        self._answer(f"Press Enter when {handout.holder} is ready (or type cancel): ", ("",))
        words = handout.words.split()
        rows = [words[i:i + WORDS_PER_ROW] for i in range(0, len(words), WORDS_PER_ROW)]
        self._show("\n".join("  ".join(f"{r * WORDS_PER_ROW + c + 1:>2}. {w:<10}" for c, w in enumerate(row))
                             for r, row in enumerate(rows)))
        self._show(f"\nWrite these {len(words)} words down, in order, on paper only. Any {handout.threshold} of the "
                   f"{handout.share_count} shares rebuild the key; this screen shows them once.")
        self._answer(f"Type yes once {handout.holder} wrote them down (or cancel): ", ("yes",))
        self._show(CLEAR_SCREEN)
        return Delivered(DELIVERY_WORDS)

    def _answer(self, prompt: str, accepted: tuple[str, ...]) -> None:
        while True:
            try:
                answer = self._ask(prompt).strip().lower()
            except EOFError:
                answer = "cancel"
            if answer in accepted:
                return
            if answer in ("cancel", "no", "q", "quit"):
                self._show(CLEAR_SCREEN + "Cancelled: nothing was kept.")
                raise UserCancelled()


def _entered(files: Sequence[Path], passphrase_files: Sequence[Path], option: str, ask_words: bool,
             wanted: ShareSet) -> list[EnteredShare]:
    from wallet_app.cold.opening import ShareWords, entered_share, is_encrypted

    encrypted = [is_encrypted(f) for f in files]
    if len(passphrase_files) != sum(encrypted):
        raise ConfigError(f"{sum(encrypted)} of the --share files {'is an' if sum(encrypted) == 1 else 'are'} "
                          f"encrypted share file{'s' if sum(encrypted) != 1 else ''}: give one {option} for each, in "
                          f"the same order ({len(passphrase_files)} given)")
    passphrases = iter([read_secret_file(p, "passphrase") for p in passphrase_files])
    shares = [entered_share(f, next(passphrases) if e else None) for f, e in zip(files, encrypted, strict=True)]
    if ask_words:
        if not sys.stdin.isatty():
            raise ConfigError("--ask-words types the words on an interactive terminal; give --share files instead")
        for number in range(len(shares) + 1, wanted.threshold + 1):
            typed = getpass.getpass(f"Words of share {number} of {wanted.threshold} needed (hidden; its holder "
                                    "types them): ")
            shares.append(ShareWords(" ".join(typed.split()), f"typed share {number}"))
    if not shares:
        raise ConfigError(f"Give {wanted.threshold} shares: --share FILE for each, or --ask-words")
    return shares


def _result_lines(result: CeremonyResult) -> list[str]:
    vault, made = result.vault, result.share_set
    lines = [f"Cold vault   {vault.address}{' (' + vault.label + ')' if vault.label else ''}",
             f"Chain id     {vault.chain_id}", *_set_lines(made)]
    written = [d.path for d in result.delivered if d.path is not None]
    if written:
        lines.append(f"Share files  written in {written[0].parent}; hand each to its holder, with nobody else "
                     "holding more than one")
    return lines


def _set_lines(s: ShareSet) -> list[str]:
    lines = [f"Share set    {s.identifier}  {s.state}  {s.threshold} of {s.share_count} needed  "
             f"made {s.created_at:%Y-%m-%d %H:%M UTC}"]
    for h in s.holders:
        how = "shown as words" if h.delivery == "words" else "encrypted file"
        lines.append(f"Share {h.member_index + 1:<6} {h.name}  ({how})")
    return lines


def _vault_json(vault: ColdVault, *, brief: bool) -> dict[str, Any]:
    active = vault.active
    if brief:
        return {"address": vault.address, "label": vault.label, "share_set": active.identifier,
                "threshold": active.threshold, "share_count": active.share_count,
                "pending_share_set": vault.pending.identifier if vault.pending is not None else None}
    return {"address": vault.address, "label": vault.label, "chain_id": vault.chain_id,
            "created_at": vault.created_at.isoformat(), "share_sets": [_set_json(s) for s in vault.sets]}


def _set_json(s: ShareSet) -> dict[str, Any]:
    return {"share_set": s.identifier, "state": s.state, "threshold": s.threshold, "share_count": s.share_count,
            "created_at": s.created_at.isoformat(),
            "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at is not None else None,
            "retired_at": s.retired_at.isoformat() if s.retired_at is not None else None,
            "holders": [{"share": h.member_index + 1, "holder": h.name, "delivery": h.delivery} for h in s.holders]}
