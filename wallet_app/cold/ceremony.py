"""The key ceremonies of a cold vault on an offline signer: creating it, resharing its key, confirming a reshare.

`create_cold_vault` generates a key with the OS random generator, derives its address, splits it K of N (SLIP-39)
and hands each share to its holder through a `Deliverer` (shown once as words, or written as the holder's encrypted
share file), then wipes the key and keeps only the address and who holds which share. `reshare` rebuilds the key in
memory from K shares of the active set and splits it again for new holders and threshold: the new set is recorded as
pending and the old one stays active, until `confirm_reshare` rebuilds the key from K shares of the new set, which
makes it active and retires the old one. A share of a retired set is refused from then on.

A ceremony that is cancelled or whose delivery fails keeps nothing: no row is written (the rows and the audit entry
are one transaction at the very end) and the share files already written in it are removed. Shares already shown as
words cannot be taken back, but they are shares of a key nobody recorded.

Resharing keeps the same key: K shares of a retired set still rebuild it outside Custos, which only refuses them. When
old shares may be in the wrong hands, move the assets to a new cold vault instead (a sweep).

What Python cannot wipe is said in `wallet_app.cold.opening`: the key is kept in a `bytearray` zeroed at the end, the
shares' words are `str` (immutable) and only dropped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from wallet_app.cold.opening import EnteredShare, address_of, open_cold_key, rebuild_key
from wallet_app.cold.share_file import (
    ShareFileError,
    ShareFileMeta,
    check_new_passphrase,
    encrypt_share,
    share_file_name,
)
from wallet_app.cold.shares import new_private_key, share_info, split_key
from wallet_app.cold.store import (
    DELIVERY_FILE,
    ColdStore,
    ColdVault,
    ColdVaultError,
    Holder,
    NewShareSet,
    ShareSet,
    check_holders,
    clean_label,
)
from wallet_app.storage.atomic import write_new

__all__ = ["CeremonyResult", "Delivered", "Deliverer", "Handout", "ShareFileWriter", "confirm_reshare",
           "create_cold_vault", "open_cold_key", "reshare"]

MAX_SPLIT_TRIES = 64  # for a share set identifier this profile never used (15 bits: a repeat is rare)


@dataclass(frozen=True, slots=True)
class Handout:
    """One share on its way to its holder. `words` is the share itself: show it to that holder only, or encrypt it."""

    vault: str
    chain_id: int
    share_set: int
    member_index: int  # from 0
    threshold: int
    share_count: int
    holder: str
    created: datetime
    words: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Delivered:
    delivery: str  # DELIVERY_WORDS or DELIVERY_FILE
    path: Path | None = None  # the share file written, removed again if the ceremony does not complete


class Deliverer(Protocol):
    """Hands shares to their holders. `prepare` runs before the key exists and refuses what would fail later (a
    missing passphrase, a file already there); each call delivers one share, or raises to stop the ceremony."""

    def prepare(self, holders: Sequence[str], share_count: int) -> None: ...

    def __call__(self, handout: Handout) -> Delivered: ...


@dataclass(frozen=True, slots=True)
class CeremonyResult:
    vault: ColdVault
    share_set: ShareSet  # the set made in this ceremony
    delivered: tuple[Delivered, ...]  # in holder order


class ShareFileWriter:
    """Delivers each share as a new encrypted share file in `directory`, <index>-of-<N>-<holder>.custos-share, under
    its holder's passphrase (`passphrases` in holder order). `scrypt_n` is lowered by tests only."""

    def __init__(self, directory: Path, passphrases: Sequence[str], *, scrypt_n: int | None = None) -> None:
        self._directory = directory
        self._passphrases = tuple(passphrases)
        self._scrypt_n = scrypt_n

    def paths(self, holders: Sequence[str]) -> list[Path]:
        return [self._directory / share_file_name(i, len(holders), h) for i, h in enumerate(holders)]

    def prepare(self, holders: Sequence[str], share_count: int) -> None:
        if len(self._passphrases) != share_count:
            raise ShareFileError(f"Give one passphrase for each of the {share_count} holders, in the order of the "
                                 f"holders ({len(self._passphrases)} given)")
        for passphrase in self._passphrases:
            check_new_passphrase(passphrase)
        if len(set(self._passphrases)) != len(self._passphrases):
            raise ShareFileError("Two holders were given the same passphrase; each officer chooses their own")
        if not self._directory.is_dir():
            raise ShareFileError(f"{self._directory} is not a folder; create it first")
        taken = [p.name for p in self.paths(holders) if p.exists()]
        if taken:
            raise ShareFileError(f"{', '.join(taken)} exist{'s' if len(taken) == 1 else ''} in {self._directory} "
                                 "already; share files are never overwritten")

    def __call__(self, handout: Handout) -> Delivered:
        meta = ShareFileMeta(vault=handout.vault, chain_id=handout.chain_id, share_set=handout.share_set,
                             member_index=handout.member_index, threshold=handout.threshold,
                             share_count=handout.share_count, holder=handout.holder,
                             created=handout.created.astimezone(UTC).isoformat(timespec="seconds"))
        data = encrypt_share(handout.words, meta, self._passphrases[handout.member_index], scrypt_n=self._scrypt_n)
        path = self._directory / share_file_name(handout.member_index, handout.share_count, handout.holder)
        try:
            write_new(path, data, mode=0o600)
        except FileExistsError:
            raise ShareFileError(f"{path} exists already; share files are never overwritten") from None
        except OSError as exc:
            raise ShareFileError(f"{path} could not be written ({exc.strerror or type(exc).__name__})") from None
        return Delivered(DELIVERY_FILE, path)


def create_cold_vault(store: ColdStore, *, label: str, threshold: int, holders: Sequence[str],
                      deliver: Deliverer, now: datetime | None = None,
                      new_key: Callable[[], bytes] = new_private_key) -> CeremonyResult:
    """A new cold vault whose key is split `threshold` of len(holders) and handed to the holders, then wiped.
    Holders: 2 to 16 distinct names; threshold from 2 to their number. Only the address, the label, the share set
    and who holds which share are kept, with an audit entry. `new_key` is replaced by tests only (SECURITY H8)."""
    names = check_holders(holders, threshold)
    label = clean_label(label)
    deliver.prepare(names, len(names))
    at = now or datetime.now(UTC)
    key = bytearray(new_key())
    try:
        address = address_of(key)
        if store.find(address) is not None:  # a repeated key: the random generator is broken (H8)
            raise ColdVaultError("The new key is one this signer has already; the random generator is not to be "
                                 "trusted. Nothing was kept")
        mnemonics, identifier = _split(key, threshold, len(names), store.used_identifiers())
    finally:
        key[:] = bytes(len(key))
    delivered = _hand_out(mnemonics, names, threshold, identifier, address, store.chain_id, at, deliver)
    new_set = NewShareSet(identifier, threshold, _holders(names, delivered))
    detail = {"label": label, **_set_detail(new_set, delivered)}
    with _removing_on_failure(delivered):
        vault = store.save_vault(address, label, new_set, detail=detail, now=at)
    return CeremonyResult(vault, vault.active, tuple(delivered))


def reshare(store: ColdStore, address: str, shares: Sequence[EnteredShare], *, threshold: int,
            holders: Sequence[str], deliver: Deliverer, now: datetime | None = None,
            min_scrypt_n: int | None = None) -> CeremonyResult:
    """The same key split anew (new share set identifier, threshold and holders) from K shares of the active set.
    The new set is recorded as pending; the active one stays in use until `confirm_reshare`."""
    vault = store.require(address)
    names = check_holders(holders, threshold)
    deliver.prepare(names, len(names))
    at = now or datetime.now(UTC)
    with rebuild_key(vault, vault.active, shares, min_scrypt_n=min_scrypt_n) as key:
        secret = bytearray(key.private_key_bytes())
    try:
        mnemonics, identifier = _split(secret, threshold, len(names), store.used_identifiers())
    finally:
        secret[:] = bytes(len(secret))
    delivered = _hand_out(mnemonics, names, threshold, identifier, vault.address, store.chain_id, at, deliver)
    new_set = NewShareSet(identifier, threshold, _holders(names, delivered))
    detail = {"previous_share_set": vault.active.identifier, **_set_detail(new_set, delivered)}
    with _removing_on_failure(delivered):
        saved = store.save_pending(vault.address, new_set, detail=detail, now=at)
    pending = saved.pending
    assert pending is not None  # just saved
    return CeremonyResult(saved, pending, tuple(delivered))


def confirm_reshare(store: ColdStore, address: str, shares: Sequence[EnteredShare], *, now: datetime | None = None,
                    min_scrypt_n: int | None = None) -> ColdVault:
    """K shares of the pending set rebuild the vault's key: the pending set becomes active, the old one retired."""
    vault = store.require(address)
    pending = vault.pending
    if pending is None:
        raise ColdVaultError(f"{vault.address} has no reshare waiting for confirmation (custos cold reshare)")
    with rebuild_key(vault, pending, shares, min_scrypt_n=min_scrypt_n):
        pass  # the shares rebuilt this vault's key: that is the confirmation; the key is wiped on leaving
    return store.activate(vault.address, pending.identifier, now=now,
                          detail={"share_set": pending.identifier, "retired_share_set": vault.active.identifier,
                                  "threshold": pending.threshold, "share_count": pending.share_count})


def _split(key: bytearray, threshold: int, count: int, used: set[int]) -> tuple[list[str], int]:
    for _ in range(MAX_SPLIT_TRIES):
        mnemonics = split_key(bytes(key), threshold, count)
        identifier = share_info(mnemonics[0]).identifier
        if identifier not in used:
            return mnemonics, identifier
    raise ColdVaultError("No unused share set identifier was drawn; nothing was kept")


def _hand_out(mnemonics: list[str], names: Sequence[str], threshold: int, identifier: int, address: str,
              chain_id: int, at: datetime, deliver: Deliverer) -> list[Delivered]:
    delivered: list[Delivered] = []
    try:
        with _removing_on_failure(delivered):
            for index, name in enumerate(names):
                delivered.append(deliver(Handout(address, chain_id, identifier, index, threshold, len(names), name,
                                                 at, mnemonics[index])))
    finally:
        mnemonics.clear()
    return delivered


@contextlib.contextmanager
def _removing_on_failure(delivered: Sequence[Delivered]) -> Iterator[None]:
    """Remove the files this ceremony wrote if what follows fails or is cancelled (even by Ctrl+C)."""
    try:
        yield
    except BaseException as failure:
        stuck = []
        for item in delivered:
            if item.path is not None:
                try:
                    item.path.unlink(missing_ok=True)
                except OSError:
                    stuck.append(str(item.path))
        if stuck:
            raise ColdVaultError(f"The ceremony stopped and nothing was kept, but {', '.join(stuck)} could not be "
                                 "removed: delete them by hand") from failure
        raise


def _holders(names: Sequence[str], delivered: Sequence[Delivered]) -> tuple[Holder, ...]:
    return tuple(Holder(i, name, d.delivery) for i, (name, d) in enumerate(zip(names, delivered, strict=True)))


def _set_detail(new_set: NewShareSet, delivered: Sequence[Delivered]) -> dict[str, object]:
    return {"share_set": new_set.identifier, "threshold": new_set.threshold, "share_count": len(new_set.holders),
            "holders": [{"share": h.member_index + 1, "holder": h.name, "delivery": h.delivery,
                         **({"file": d.path.name} if d.path is not None else {})}
                        for h, d in zip(new_set.holders, delivered, strict=True)]}
