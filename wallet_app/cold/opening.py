"""A cold vault's key rebuilt in memory from K entered shares, for one ceremony (signing, resharing, confirming).

Each officer enters their share as words or as their encrypted share file with its passphrase. Before anything is
combined every share is checked on its own: its SLIP-39 checksum (a mistyped word), the vault and chain its file
names, and the share set it belongs to against the sets this signer recorded for the vault (another vault's or an
unknown set: refused; a retired set: refused by name; the pending set of a reshare where the active one is wanted, or
the other way round: refused with what to do). Then duplicates and the count against the set's threshold, and last,
after joining, the key must derive the vault's address. The key is handed out as a `ColdKey` to use in a `with`
block, which zeroes it on exit.

What Python cannot guarantee: the bytes and text a share passes through (the words as `str`, the library's own
`bytes` and integers while it combines, the `bytes` copy a signing library needs) are immutable objects that cannot be
overwritten, only dropped; the memory they used is reused but not cleared, and may reach swap or a core dump. Custos
zeroes what it owns (the key's `bytearray`) and keeps every other copy as short-lived as it can. Run the offline
signer on a machine without swap and with core dumps off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from eth_keys.datatypes import PrivateKey

from wallet_app.cold.share_file import ShareFileMeta, decrypt_share, looks_like_share_file, read_bounded
from wallet_app.cold.shares import ShareError, ShareInfo, join_shares, share_info
from wallet_app.cold.store import STATE_ACTIVE, STATE_PENDING, STATE_RETIRED, ColdVault, ColdVaultError, ShareSet


@dataclass(frozen=True, slots=True)
class ShareWords:
    """A share as its words (typed, or read from a text file). `source` names it in messages; never the words."""

    words: str = field(repr=False)
    source: str = ""


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """A custos share file's bytes and the passphrase its holder typed."""

    data: bytes = field(repr=False)
    passphrase: str = field(repr=False)
    source: str = ""


EnteredShare = ShareWords | EncryptedShare


def entered_share(path: Path, passphrase: str | None) -> EnteredShare:
    """The share in a file: an encrypted custos share file (needs `passphrase`) or a text file of one share's words,
    decided by its content."""
    data = read_bounded(path)
    if looks_like_share_file(data):
        if passphrase is None:
            raise ShareError(f"{path.name} is an encrypted share file; give its holder's passphrase")
        return EncryptedShare(data, passphrase, path.name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ShareError(f"{path.name} is neither a custos share file nor a share's words as text") from None
    return ShareWords(" ".join(text.split()), path.name)


def is_encrypted(path: Path) -> bool:
    return looks_like_share_file(read_bounded(path))


class ColdKey:
    """A cold vault's private key in memory for one ceremony; `with open_cold_key(...) as key:` zeroes it on exit.

    `private_key_bytes()` gives an immutable copy for a signing library (eth-keys takes `bytes`); drop it as soon as
    the signature is made. After `wipe()` the key is gone and asking for it is an error."""

    __slots__ = ("_address", "_key")

    def __init__(self, address: str, key: bytearray) -> None:
        self._address = address
        self._key = key

    @property
    def address(self) -> str:
        return self._address

    def private_key_bytes(self) -> bytes:
        if not any(self._key):
            raise ColdVaultError("The cold vault's key was wiped; enter the shares again")
        return bytes(self._key)

    def wipe(self) -> None:
        self._key[:] = bytes(len(self._key))

    def __enter__(self) -> ColdKey:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.wipe()

    def __repr__(self) -> str:
        return f"ColdKey({self._address})"


def address_of(private_key: bytes | bytearray) -> str:
    return str(PrivateKey(bytes(private_key)).public_key.to_checksum_address())


def open_cold_key(vault: ColdVault, shares: Sequence[EnteredShare], *, min_scrypt_n: int | None = None) -> ColdKey:
    """The vault's key rebuilt from shares of its active share set, for signing. Refused (ShareError, ShareFileError,
    nothing rebuilt): fewer than the threshold, a share given twice, a share of another vault, of another or a
    retired or pending set, a mistyped word, a wrong passphrase or altered file, a key that is not the vault's.
    `min_scrypt_n` lowers the share files' scrypt floor for tests only."""
    return rebuild_key(vault, vault.active, shares, min_scrypt_n=min_scrypt_n)


def rebuild_key(vault: ColdVault, wanted: ShareSet, shares: Sequence[EnteredShare], *,
                min_scrypt_n: int | None = None) -> ColdKey:
    """The key from shares of `wanted`, one of the vault's sets (the active one, or the pending one to confirm)."""
    decoded = [_decode(vault, share, number, min_scrypt_n) for number, share in enumerate(shares, start=1)]
    try:
        for entry in decoded:
            _check_set(vault, wanted, entry.name, entry.info)
        indexes = [entry.info.index for entry in decoded]
        if len(set(indexes)) != len(indexes):
            raise ShareError("The same share was given twice; each officer enters their own share once")
        if len(decoded) < wanted.threshold:
            raise ShareError(f"{len(decoded)} share{'s' if len(decoded) != 1 else ''} given; {wanted.threshold} of "
                             f"the {wanted.share_count} holders' shares are needed")
        # SLIP-39 combines exactly K shares; any further ones were checked above and are not needed.
        key = bytearray(join_shares([e.words for e in decoded[:wanted.threshold]], identifier=wanted.identifier))
    finally:
        decoded.clear()
    try:
        matches = address_of(key) == vault.address
    except Exception:  # eth-keys refuses a scalar out of range: not this vault's key either
        matches = False
    if not matches:
        key[:] = bytes(len(key))
        raise ShareError(f"The shares rebuild a key that is not the key of {vault.address}; nothing was done with it")
    return ColdKey(vault.address, key)


@dataclass(frozen=True, slots=True)
class _Decoded:
    name: str
    info: ShareInfo
    words: str = field(repr=False)


def _decode(vault: ColdVault, share: EnteredShare, number: int, min_scrypt_n: int | None) -> _Decoded:
    name = share.source or f"share {number}"
    if isinstance(share, ShareWords):
        return _Decoded(name, _info(share.words, name), share.words)
    meta, words = decrypt_share(share.data, share.passphrase, min_n=min_scrypt_n)
    _check_meta(vault, meta, name)
    info = _info(words, name)
    if (info.identifier, info.index, info.threshold) != (meta.share_set, meta.member_index, meta.threshold):
        raise ShareError(f"The details {name} shows do not match the share it holds; it was not used")
    return _Decoded(name, info, words)


def _info(words: str, name: str) -> ShareInfo:
    try:
        info = share_info(words)
    except ShareError as exc:
        raise ShareError(f"{name}: {exc.user_message}") from None
    if info.group_count != 1:
        raise ShareError(f"{name} is a share of a multi-group split, which Custos does not make")
    return info


def _check_meta(vault: ColdVault, meta: ShareFileMeta, name: str) -> None:
    if meta.vault != vault.address:
        raise ShareError(f"{name} holds a share of {meta.vault}, not of {vault.address}")
    if meta.chain_id != vault.chain_id:
        raise ShareError(f"{name} is for chain {meta.chain_id}; this signer's cold vault is on chain {vault.chain_id}")


def _check_set(vault: ColdVault, wanted: ShareSet, name: str, info: ShareInfo) -> None:
    found = vault.share_set(info.identifier)
    if found is None:
        raise ShareError(f"{name} belongs to another share set than this vault's (another vault, or a split this "
                         "signer never recorded)")
    if found.state == STATE_RETIRED:
        raise ShareError(f"{name} belongs to a retired share set of this vault; use a share of its current set")
    if found.identifier == wanted.identifier:
        return
    if wanted.state == STATE_ACTIVE and found.state == STATE_PENDING:
        raise ShareError(f"{name} belongs to the new share set of a reshare that was not confirmed yet (custos cold "
                         "confirm); until then the vault opens with its current shares")
    raise ShareError(f"{name} belongs to the vault's current share set; confirming the reshare takes shares of the "
                     "new set")
