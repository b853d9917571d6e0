"""A cold vault's key as SLIP-39 shares (`shamir-mnemonic`, Trezor's reference implementation): K of N officers
together can rebuild it; fewer learn nothing about it.

One group of N member shares with threshold K. The share set's identifier (15 bits, random) ties the shares of one
split together: the key is rebuilt only from shares of the set a vault records, so a share of another set, or of an
earlier split of the same key, is refused by name. Every failure of the library (a mistyped word caught by the
RS1024 checksum, a duplicated share, too few shares, mixed sets) becomes a ShareError in words; the library's own
message never carries a share's words.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import shamir_mnemonic
from shamir_mnemonic.share import Share

from wallet_app.errors import WalletError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_SHARES = 16  # SLIP-39's limit for the members of a group
ITERATION_EXPONENT = 1  # PBKDF2 rounds of the (empty) passphrase encryption: 20,000 per the standard's unit


class ShareError(WalletError, ValueError):
    code = "cold_share"


@dataclass(frozen=True, slots=True)
class ShareInfo:
    """What a share says about itself, readable without the others (no secret)."""

    identifier: int
    index: int  # the member index, 0 to N-1
    threshold: int
    extendable: bool
    group: int = 0  # Custos splits into one group; shares made elsewhere may have several
    group_count: int = 1


def new_private_key() -> bytes:
    """32 bytes from the OS random generator that are a valid secp256k1 private key (1 to n-1)."""
    while True:
        candidate = os.urandom(32)
        if 0 < int.from_bytes(candidate, "big") < SECP256K1_N:
            return candidate


def split_key(secret: bytes, threshold: int, count: int) -> list[str]:
    """`count` SLIP-39 mnemonics of one new share set, any `threshold` of which rebuild `secret`."""
    if len(secret) != 32:
        raise ShareError("A cold vault's key is 32 bytes")
    if not 1 <= threshold <= count <= MAX_SHARES:
        raise ShareError(f"The threshold must be from 1 to the number of shares, at most {MAX_SHARES} shares "
                         f"({threshold} of {count} asked)")
    if threshold == 1 and count > 1:
        raise ShareError("A threshold of 1 would let each officer alone rebuild the key; use 2 or more")
    groups = shamir_mnemonic.generate_mnemonics(1, [(threshold, count)], secret, b"", True, ITERATION_EXPONENT)
    return list(groups[0])


def share_info(mnemonic: str) -> ShareInfo:
    try:
        share = Share.from_mnemonic(_normalised(mnemonic))
    except shamir_mnemonic.MnemonicError as exc:
        raise ShareError(f"This is not a valid share: {_reason(exc)}") from None
    return ShareInfo(identifier=share.identifier, index=share.index, threshold=share.member_threshold,
                     extendable=share.extendable, group=share.group_index, group_count=share.group_count)


def join_shares(mnemonics: Sequence[str], *, identifier: int | None = None, passphrase: bytes = b"") -> bytes:
    """The secret the shares rebuild. With `identifier`, every share must belong to that share set."""
    infos = [share_info(m) for m in mnemonics]
    if identifier is not None:
        foreign = [i.index + 1 for i in infos if i.identifier != identifier]
        if foreign:
            raise ShareError(f"Share{'s' if len(foreign) > 1 else ''} {', '.join(map(str, foreign))} belong"
                             f"{'' if len(foreign) > 1 else 's'} to another share set than this vault's")
    members = [(i.group, i.index) for i in infos]
    if len(set(members)) != len(members):
        raise ShareError("The same share was given twice; each officer enters their own share once")
    if infos and all(i.group_count == 1 for i in infos) and len(infos) < infos[0].threshold:
        raise ShareError(f"{len(infos)} share{'s' if len(infos) != 1 else ''} given; {infos[0].threshold} are "
                         "needed")
    try:
        return bytes(shamir_mnemonic.combine_mnemonics([_normalised(m) for m in mnemonics], passphrase))
    except shamir_mnemonic.MnemonicError as exc:
        raise ShareError(f"The shares do not rebuild a key: {_reason(exc)}") from None


def _normalised(mnemonic: str) -> str:
    return " ".join(mnemonic.lower().split())


def _reason(exc: Exception) -> str:
    """The library's reason, without any words of a share (it may quote a mnemonic or a word)."""
    text = str(exc)
    for known, words in (("checksum", "a word is mistyped (the share's checksum does not match)"),
                         ("Invalid mnemonic word", "a word is not in the SLIP-39 word list"),
                         ("length", "it has the wrong number of words"),
                         ("padding", "its padding is invalid"),
                         ("identifier", "the shares belong to different share sets"),
                         ("iteration exponent", "the shares belong to different share sets"),
                         ("group", "the shares do not agree on their groups"),
                         ("threshold", "the shares do not agree on their threshold"),
                         ("digest", "the shares do not rebuild the secret (one was altered)"),
                         ("Insufficient", "too few shares were given")):
        if known.lower() in text.lower():
            return words
    return "the library refused it"
