"""The cold vault key ceremonies (issue 15): create (key from the OS random generator, split K of N, each share handed
to its holder, key wiped, only address and metadata kept), open_cold_key and every refusal of it, reshare and confirm
(the old set usable until the new one is confirmed, then refused as retired), and a ceremony cancelled or failing
midway that keeps nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import select, update

from wallet_app.audit.actions import COLD_CONFIRM, COLD_CREATE, COLD_RESHARE
from wallet_app.audit.profile_log import build_audit_log
from wallet_app.cli.cold import CLEAR_SCREEN, TerminalWords
from wallet_app.cold.ceremony import (
    Delivered,
    Handout,
    ShareFileWriter,
    confirm_reshare,
    create_cold_vault,
    open_cold_key,
    reshare,
)
from wallet_app.cold.opening import ColdKey, EncryptedShare, EnteredShare, ShareWords, entered_share
from wallet_app.cold.share_file import LOWEST_N, ShareFileError, decrypt_share
from wallet_app.cold.shares import ShareError, join_shares, share_info, split_key
from wallet_app.cold.store import ColdStore, ColdVault, ColdVaultError
from wallet_app.config import ProfileConfig
from wallet_app.errors import ConfigError, UserCancelled
from wallet_app.profiles import Profile, create_profile
from wallet_app.storage.schema import audit_log, cold_share_sets, cold_vaults

HOLDERS = ("Alice Chan", "Ben Wong", "Carol Ho")
PASSPHRASES = ("alice-passphrase", "ben-passphrase", "carol-passphrase")


class Words:
    """Shows nothing: keeps each holder's words for the test (as the officers' paper would)."""

    def __init__(self, fail_at: int | None = None, error: BaseException | None = None) -> None:
        self.words: list[str] = []
        self.fail_at = fail_at
        self.error = error or UserCancelled()

    def prepare(self, holders: Sequence[str], share_count: int) -> None:
        pass

    def __call__(self, handout: Handout) -> Delivered:
        if handout.member_index == self.fail_at:
            raise self.error
        self.words.append(handout.words)
        return Delivered("words")


class FailingFiles(ShareFileWriter):
    def __init__(self, directory: Path, fail_at: int, error: BaseException) -> None:
        super().__init__(directory, PASSPHRASES, scrypt_n=LOWEST_N)
        self.fail_at, self.error = fail_at, error

    def __call__(self, handout: Handout) -> Delivered:
        if handout.member_index == self.fail_at:
            raise self.error
        return super().__call__(handout)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Profile]:
    made = create_profile(tmp_path / "home", ProfileConfig(name="signer", network="devnet", chain_id=1770177,
                                                           offline=True))
    yield made
    made.close()


@pytest.fixture
def store(profile: Profile) -> ColdStore:
    return ColdStore(engine=profile.engine, chain_id=profile.config.chain_id, audit=build_audit_log(profile))


def files(tmp_path: Path, name: str = "shares") -> ShareFileWriter:
    (tmp_path / name).mkdir()
    return ShareFileWriter(tmp_path / name, PASSPHRASES, scrypt_n=LOWEST_N)


def file_shares(vault: ColdVault, directory: Path, picks: Sequence[int],
                passphrases: Sequence[str] = PASSPHRASES) -> list[EnteredShare]:
    found = sorted(directory.glob("*.custos-share"))
    return [EncryptedShare(found[i].read_bytes(), passphrases[i], found[i].name) for i in picks]


def opened(vault: ColdVault, shares: Sequence[EnteredShare]) -> str:
    with open_cold_key(vault, shares, min_scrypt_n=LOWEST_N) as key:
        return str(Account.from_key(key.private_key_bytes()).address)


def audit_actions(profile: Profile) -> list[tuple[str, dict[str, object]]]:
    with profile.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.detail).order_by(audit_log.c.seq)).all()
    return [(r.action, json.loads(r.detail)) for r in rows]


def test_create_splits_a_new_key_among_the_holders_and_keeps_only_the_address(store: ColdStore, profile: Profile,
                                                                            tmp_path: Path) -> None:
    shown = Words()
    result = create_cold_vault(store, label="Client cold", threshold=2, holders=HOLDERS, deliver=shown)
    vault = result.vault
    assert [share_info(w).index for w in shown.words] == [0, 1, 2]
    assert {share_info(w).identifier for w in shown.words} == {result.share_set.identifier}
    key = join_shares(shown.words[1:], identifier=result.share_set.identifier)
    assert Account.from_key(key).address == vault.address
    assert (vault.label, result.share_set.state, result.share_set.threshold, result.share_set.share_count) == \
        ("Client cold", "active", 2, 3)
    assert [(h.name, h.delivery) for h in result.share_set.holders] == [(h, "words") for h in HOLDERS]
    assert store.require(vault.address.lower()) == vault and store.load_all() == [vault]
    action, detail = audit_actions(profile)[-1]
    assert action == COLD_CREATE and detail["share_set"] == result.share_set.identifier
    assert [h["holder"] for h in detail["holders"]] == list(HOLDERS)  # type: ignore[index]
    assert opened(vault, [ShareWords(shown.words[2]), ShareWords(shown.words[0])]) == vault.address


def test_create_with_files_writes_one_encrypted_file_per_holder(store: ColdStore, tmp_path: Path) -> None:
    result = create_cold_vault(store, label="", threshold=2, holders=HOLDERS, deliver=files(tmp_path))
    names = sorted(p.name for p in (tmp_path / "shares").iterdir())
    assert names == ["1-of-3-alice-chan.custos-share", "2-of-3-ben-wong.custos-share", "3-of-3-carol-ho.custos-share"]
    assert [d.path.name for d in result.delivered if d.path] == names
    assert all((tmp_path / "shares" / n).stat().st_mode & 0o077 == 0 for n in names)  # the holder's alone
    assert opened(result.vault, file_shares(result.vault, tmp_path / "shares", [0, 2])) == result.vault.address
    assert {h.delivery for h in result.share_set.holders} == {"file"}


@pytest.mark.parametrize("threshold, holders, reason", [
    (1, HOLDERS, "from 2 to the number of holders"), (4, HOLDERS, "from 2 to the number of holders"),
    (2, ("Alice",), "2 to 16 holders"), (2, tuple(f"h{i}" for i in range(17)), "2 to 16 holders"),
    (2, ("Alice", "alice ", "Ben"), "named twice"), (2, ("Alice", "", "Ben"), "1 to 80 printable"),
    (2, ("Alice", "B\u202eob"), "printable"),
])
def test_bad_thresholds_and_holders_are_refused_before_any_key_exists(store: ColdStore, threshold: int,
                                                                      holders: tuple[str, ...], reason: str) -> None:
    def no_key() -> bytes:
        raise AssertionError("a key was generated")

    with pytest.raises(ColdVaultError, match=reason):
        create_cold_vault(store, label="x", threshold=threshold, holders=holders, deliver=Words(), new_key=no_key)
    assert store.load_all() == []


def test_file_delivery_problems_are_refused_before_any_key_exists(store: ColdStore, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for writer, reason in ((ShareFileWriter(tmp_path / "out", PASSPHRASES[:2]), "one passphrase for each"),
                           (ShareFileWriter(tmp_path / "out", ("same-passphrase",) * 3), "same passphrase"),
                           (ShareFileWriter(tmp_path / "out", ("short", *PASSPHRASES[1:])), "at least 8"),
                           (ShareFileWriter(tmp_path / "nowhere", PASSPHRASES), "not a folder")):
        with pytest.raises(ShareFileError, match=reason):
            create_cold_vault(store, label="x", threshold=2, holders=HOLDERS, deliver=writer)
    (tmp_path / "out" / "2-of-3-ben-wong.custos-share").write_text("an officer's old file")
    with pytest.raises(ShareFileError, match="never overwritten"):
        create_cold_vault(store, label="x", threshold=2, holders=HOLDERS,
                          deliver=ShareFileWriter(tmp_path / "out", PASSPHRASES))
    assert (tmp_path / "out" / "2-of-3-ben-wong.custos-share").read_text() == "an officer's old file"
    assert store.load_all() == []


@pytest.mark.parametrize("error", [UserCancelled(), KeyboardInterrupt(), OSError("card removed")])
def test_a_ceremony_stopped_midway_keeps_nothing(store: ColdStore, profile: Profile, tmp_path: Path,
                                                  error: BaseException) -> None:
    (tmp_path / "shares").mkdir()
    with pytest.raises(type(error)):
        create_cold_vault(store, label="x", threshold=2, holders=HOLDERS,
                          deliver=FailingFiles(tmp_path / "shares", 2, error))
    assert list((tmp_path / "shares").iterdir()) == []  # the two files already written were removed
    with profile.engine.connect() as conn:
        assert conn.execute(select(cold_vaults)).all() == [] and conn.execute(select(cold_share_sets)).all() == []
    assert all(action != COLD_CREATE for action, _ in audit_actions(profile))
    with pytest.raises(UserCancelled):
        create_cold_vault(store, label="x", threshold=2, holders=HOLDERS, deliver=Words(fail_at=1))
    assert store.load_all() == []


def test_a_failure_to_record_the_vault_removes_the_files_too(store: ColdStore, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> ColdVault:
        raise ColdVaultError("the disk is full")

    monkeypatch.setattr(store, "save_vault", broken)
    with pytest.raises(ColdVaultError, match="disk is full"):
        create_cold_vault(store, label="x", threshold=2, holders=HOLDERS, deliver=files(tmp_path))
    assert list((tmp_path / "shares").iterdir()) == []


def test_H8_a_repeated_key_is_refused(store: ColdStore) -> None:
    constant = bytes([7]) * 32
    create_cold_vault(store, label="first", threshold=2, holders=HOLDERS, deliver=Words(), new_key=lambda: constant)
    with pytest.raises(ColdVaultError, match="random generator"):
        create_cold_vault(store, label="again", threshold=2, holders=HOLDERS, deliver=Words(),
                          new_key=lambda: constant)
    assert [v.label for v in store.load_all()] == ["first"]


# -- open_cold_key: each refusal ---------------------------------------------------------------------------------

@pytest.fixture
def made(store: ColdStore) -> tuple[ColdVault, list[str]]:
    shown = Words()
    vault = create_cold_vault(store, label="cold", threshold=2, holders=HOLDERS, deliver=shown).vault
    return vault, shown.words


def refused(vault: ColdVault, shares: Sequence[EnteredShare], reason: str) -> None:
    with pytest.raises((ShareError, ShareFileError), match=reason) as caught:
        open_cold_key(vault, shares, min_scrypt_n=LOWEST_N)
    assert not any(word in caught.value.user_message.split() for share in shares if isinstance(share, ShareWords)
                   for word in share.words.split()[4:])  # the message never quotes a share's own words


def test_open_refuses_too_few_duplicated_foreign_and_mistyped_shares(made: tuple[ColdVault, list[str]],
                                                                     store: ColdStore) -> None:
    vault, words = made
    refused(vault, [ShareWords(words[0])], "1 share given; 2 of the 3")
    refused(vault, [], "0 shares given")
    refused(vault, [ShareWords(words[1]), ShareWords(words[1].upper())], "given twice")
    foreign = Words()
    create_cold_vault(store, label="other", threshold=2, holders=HOLDERS, deliver=foreign)
    refused(vault, [ShareWords(words[0]), ShareWords(foreign.words[1])], "another share set than this vault's")
    same_key_other_split = split_key(join_shares(words[:2]), 2, 3)  # the vault's own key, never recorded as a set
    refused(vault, [ShareWords(w) for w in same_key_other_split[:2]], "another share set")
    typo = words[2].split()
    typo[7] = "academic" if typo[7] != "academic" else "acid"
    refused(vault, [ShareWords(words[0]), ShareWords(" ".join(typo), "Carol's paper")],
            "Carol's paper: .*mistyped")
    refused(vault, [ShareWords(words[0]), ShareWords("not a share at all")], "share 2: ")


def test_open_refuses_a_key_that_is_not_the_vaults(made: tuple[ColdVault, list[str]]) -> None:
    vault, words = made
    impostor = replace(vault, address="0x62cffD175226D795307E97Aa45e53c4B45027802")
    refused(impostor, [ShareWords(w) for w in words[:2]], "not the key of 0x62cffD175226D795307E97Aa45e53c4B45027802")


def test_open_refuses_a_file_of_another_vault_or_chain_and_a_wrong_passphrase(store: ColdStore,
                                                                              tmp_path: Path) -> None:
    first = create_cold_vault(store, label="a", threshold=2, holders=HOLDERS, deliver=files(tmp_path, "a")).vault
    second = create_cold_vault(store, label="b", threshold=2, holders=HOLDERS, deliver=files(tmp_path, "b")).vault
    mine, theirs = file_shares(first, tmp_path / "a", [0, 1]), file_shares(second, tmp_path / "b", [1])
    refused(first, [mine[0], *theirs], f"holds a share of {second.address}, not of {first.address}")
    refused(replace(first, chain_id=1), mine, "for chain 1770177")
    wrong = EncryptedShare(mine[1].data, "someone else's passphrase", "2-of-3-ben-wong.custos-share")
    refused(first, [mine[0], wrong], "passphrase is wrong, or the share file was altered")
    assert opened(first, [mine[1], mine[0], *file_shares(first, tmp_path / "a", [2])]) == first.address  # K+1


def test_words_and_files_mix_and_a_text_file_of_words_is_told_from_a_share_file(store: ColdStore,
                                                                                 tmp_path: Path) -> None:
    vault = create_cold_vault(store, label="a", threshold=2, holders=HOLDERS, deliver=files(tmp_path)).vault
    first = sorted((tmp_path / "shares").iterdir())[0]
    words = EncryptedShare(first.read_bytes(), PASSPHRASES[0])
    (tmp_path / "ben.txt").write_text("  " + decrypt_share(sorted((tmp_path / "shares").iterdir())[1].read_bytes(),
                                                           PASSPHRASES[1], min_n=LOWEST_N)[1] + "\n\n")
    typed = entered_share(tmp_path / "ben.txt", None)
    assert isinstance(typed, ShareWords) and typed.source == "ben.txt" and "ben.txt" in repr(typed)
    assert typed.words not in repr(typed)
    assert isinstance(entered_share(first, "x" * 8), EncryptedShare)
    with pytest.raises(ShareError, match="give its holder's passphrase"):
        entered_share(first, None)
    assert opened(vault, [typed, words]) == vault.address


def test_the_key_is_zeroed_when_its_block_ends(made: tuple[ColdVault, list[str]]) -> None:
    vault, words = made
    with open_cold_key(vault, [ShareWords(w) for w in words[:2]]) as key:
        assert isinstance(key, ColdKey) and key.address == vault.address and vault.address in repr(key)
        secret = key.private_key_bytes()
        assert secret.hex() not in repr(key)
    assert key._key == bytearray(32)
    with pytest.raises(ColdVaultError, match="wiped"):
        key.private_key_bytes()


# -- reshare and confirm -----------------------------------------------------------------------------------------

def test_reshare_is_pending_until_confirmed_then_the_old_set_is_retired(made: tuple[ColdVault, list[str]],
                                                                         store: ColdStore, profile: Profile) -> None:
    vault, old = made
    new = Words()
    result = reshare(store, vault.address, [ShareWords(old[0]), ShareWords(old[2])], threshold=3,
                     holders=("Dana", "Eve", "Frank", "Gus"), deliver=new)
    pending = result.share_set
    assert pending.state == "pending" and (pending.threshold, pending.share_count) == (3, 4)
    assert pending.identifier != vault.active.identifier and len(new.words) == 4
    now = store.require(vault.address)
    assert now.active.identifier == vault.active.identifier and now.pending == pending
    assert opened(now, [ShareWords(w) for w in old[:2]]) == vault.address  # the old shares still work
    refused(now, [ShareWords(w) for w in new.words[:3]], "not confirmed yet")
    with pytest.raises(ShareError, match="current share set; confirming"):
        confirm_reshare(store, vault.address, [ShareWords(w) for w in old[:2]])
    with pytest.raises(ShareError, match="2 shares given; 3 of the 4"):
        confirm_reshare(store, vault.address, [ShareWords(w) for w in new.words[:2]])
    confirmed = confirm_reshare(store, vault.address, [ShareWords(w) for w in new.words[1:]])
    assert confirmed.active.identifier == pending.identifier
    assert [s.state for s in confirmed.sets] == ["retired", "active"] and confirmed.sets[0].retired_at is not None
    refused(confirmed, [ShareWords(w) for w in old[:2]], "belongs to a retired share set")
    assert opened(confirmed, [ShareWords(w) for w in new.words[:3]]) == vault.address
    assert [a for a, _ in audit_actions(profile)][-2:] == [COLD_RESHARE, COLD_CONFIRM]
    with pytest.raises(ColdVaultError, match="no reshare waiting"):
        confirm_reshare(store, vault.address, [ShareWords(w) for w in new.words[:3]])


def test_reshare_with_wrong_shares_or_interrupted_keeps_the_vault_as_it_was(made: tuple[ColdVault, list[str]],
                                                                          store: ColdStore, tmp_path: Path) -> None:
    vault, old = made
    with pytest.raises(ShareError, match="1 share given"):
        reshare(store, vault.address, [ShareWords(old[0])], threshold=2, holders=("Dana", "Eve"), deliver=Words())
    (tmp_path / "new").mkdir()
    with pytest.raises(UserCancelled):
        reshare(store, vault.address, [ShareWords(w) for w in old[:2]], threshold=2, holders=HOLDERS,
                deliver=FailingFiles(tmp_path / "new", 1, UserCancelled()))
    assert list((tmp_path / "new").iterdir()) == []
    assert store.require(vault.address) == vault
    assert opened(vault, [ShareWords(w) for w in old[1:]]) == vault.address


def test_a_second_reshare_supersedes_the_unconfirmed_one(made: tuple[ColdVault, list[str]], store: ColdStore) -> None:
    vault, old = made
    lost, kept = Words(), Words()
    reshare(store, vault.address, [ShareWords(w) for w in old[:2]], threshold=2, holders=("Dana", "Eve"), deliver=lost)
    second = reshare(store, vault.address, [ShareWords(w) for w in old[:2]], threshold=2, holders=("Dana", "Eve"),
                     deliver=kept).vault
    assert [s.state for s in second.sets] == ["active", "retired", "pending"]
    with pytest.raises(ShareError, match="retired share set"):
        confirm_reshare(store, vault.address, [ShareWords(w) for w in lost.words])
    assert confirm_reshare(store, vault.address, [ShareWords(w) for w in kept.words]).active == \
        replace(second.sets[2], state="active", confirmed_at=store.require(vault.address).active.confirmed_at)


def test_rows_edited_outside_custos_are_refused(made: tuple[ColdVault, list[str]], store: ColdStore,
                                                profile: Profile) -> None:
    vault, _words = made
    with profile.engine.begin() as conn:
        conn.execute(update(cold_share_sets).values(threshold=1))
    with pytest.raises(ColdVaultError, match="edited outside Custos"):
        store.require(vault.address)


# -- the words on a terminal (wallet_app.cli.cold.TerminalWords) ------------------------------------------------

def test_words_are_shown_once_to_each_holder_on_a_cleared_screen(store: ColdStore) -> None:
    screen: list[str] = []
    answers = iter(["", "yes"] * 3)
    result = create_cold_vault(store, label="x", threshold=2, holders=HOLDERS, deliver=TerminalWords(
        ask=lambda prompt: (screen.append(prompt), next(answers))[1], show=screen.append, is_terminal=lambda: True))
    text = "\n".join(screen)
    assert text.count(CLEAR_SCREEN) == 6 and all(f"for {h}." in text for h in HOLDERS)
    assert screen[-1] == CLEAR_SCREEN  # the last words do not stay on the screen
    assert {h.delivery for h in result.share_set.holders} == {"words"}


def test_a_holder_who_cancels_stops_the_ceremony_and_a_pipe_is_refused(store: ColdStore) -> None:
    answers = iter(["", "yes", "", "cancel"])
    with pytest.raises(UserCancelled):
        create_cold_vault(store, label="x", threshold=2, holders=HOLDERS, deliver=TerminalWords(
            ask=lambda _prompt: next(answers), show=lambda _text: None, is_terminal=lambda: True))
    assert store.load_all() == []
    with pytest.raises(ConfigError, match="interactive terminal"):
        create_cold_vault(store, label="x", threshold=2, holders=HOLDERS,
                          deliver=TerminalWords(is_terminal=lambda: False))


def test_ask_words_types_the_missing_shares_hidden(made: tuple[ColdVault, list[str]], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass
    import sys

    from wallet_app.cli import cold as cli_cold

    vault, words = made
    (tmp_path / "alice.txt").write_text(words[0])
    typed = iter([words[2]])
    monkeypatch.setattr(getpass, "getpass", lambda prompt: next(typed))
    monkeypatch.setattr(sys, "stdin", type("Tty", (), {"isatty": staticmethod(lambda: True)})())
    shares = cli_cold._entered([tmp_path / "alice.txt"], [], "--passphrase-file", True, vault.active)
    assert [s.source for s in shares] == ["alice.txt", "typed share 2"]
    assert opened(vault, shares) == vault.address
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(ConfigError, match="interactive terminal"):
        cli_cold._entered([], [], "--passphrase-file", True, vault.active)
    with pytest.raises(ConfigError, match="Give 2 shares"):
        cli_cold._entered([], [], "--passphrase-file", False, vault.active)
