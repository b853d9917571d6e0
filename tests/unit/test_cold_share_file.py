"""An officer's encrypted share file (custos-share/1, issue 15): AES-256-GCM under scrypt, its plain-text details
bound as associated data. A wrong passphrase and any altered byte or field give one and the same message (H1, H2);
malformed, oversized and foreign files, and a scrypt cost under the floor, are refused in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wallet_app.cold import share_file
from wallet_app.cold.share_file import (
    LOWEST_N,
    MAX_FILE_BYTES,
    SCRYPT_N,
    WRONG_PASSPHRASE,
    ShareFileError,
    ShareFileMeta,
    decrypt_share,
    encrypt_share,
    looks_like_share_file,
    read_bounded,
    read_share_meta,
    share_file_name,
)
from wallet_app.cold.shares import split_key

KEY = bytes(range(1, 33))
WORDS = split_key(KEY, 2, 3)[1]
PASSPHRASE = "correct horse battery"
META = ShareFileMeta(vault="0x62cffD175226D795307E97Aa45e53c4B45027802", chain_id=1770177, share_set=1234,
                     member_index=1, threshold=2, share_count=3, holder="Ben Wong", created="2025-09-01T10:00:00+00:00")


def sealed(**meta: object) -> bytes:
    fields = {name: getattr(META, name) for name in ShareFileMeta.__slots__}
    return encrypt_share(WORDS, ShareFileMeta(**{**fields, **meta}), PASSPHRASE, scrypt_n=LOWEST_N)


def edited(data: bytes, change: dict[str, object]) -> bytes:
    document = json.loads(data)
    for path, value in change.items():
        *parents, last = path.split(".")
        target = document
        for p in parents:
            target = target[p]
        target[last] = value
    return json.dumps(document).encode()


def test_the_words_come_back_with_the_details_and_nothing_secret_is_in_the_clear() -> None:
    data = sealed()
    meta, words = decrypt_share(data, PASSPHRASE, min_n=LOWEST_N)
    assert (meta, words) == (META, WORDS)
    assert read_share_meta(data) == META
    document = json.loads(data)
    assert document["format"] == "custos-share/1" and document["kdf"]["n"] == LOWEST_N
    assert document["cipher"]["name"] == "aes-256-gcm" and len(bytes.fromhex(document["kdf"]["salt"])) == 16
    for needle in (WORDS, *WORDS.split()[4:], PASSPHRASE, KEY.hex()):
        assert needle.encode() not in data
    assert sealed() != data  # a new salt and nonce each time


def test_a_file_is_written_with_scrypt_n_2_18_by_default_and_read_only_above_the_floor() -> None:
    data = encrypt_share(WORDS, META, PASSPHRASE)
    assert json.loads(data)["kdf"] | {"salt": ""} == {"name": "scrypt", "n": SCRYPT_N, "r": 8, "p": 1, "salt": ""}
    assert SCRYPT_N == 2**18
    with pytest.raises(ShareFileError, match="under the floor of n=262144"):
        decrypt_share(sealed(), PASSPHRASE)  # a test file (n=2^14) is refused where the floor is not lowered


@pytest.mark.parametrize("n", [2**13, 2, 3 * 2**14, 2**19])
def test_a_scrypt_cost_outside_the_allowed_range_is_refused_for_writing_and_reading(n: int) -> None:
    with pytest.raises(ShareFileError, match="scrypt"):
        encrypt_share(WORDS, META, PASSPHRASE, scrypt_n=n)
    with pytest.raises(ShareFileError, match="scrypt"):
        decrypt_share(edited(sealed(), {"kdf.n": n}), PASSPHRASE, min_n=LOWEST_N)
    with pytest.raises(ShareFileError, match="scrypt"):
        decrypt_share(sealed(), PASSPHRASE, min_n=2**13)  # nor may a caller lower the floor below 2^14


@pytest.mark.parametrize("change", [
    {"holder": "Mallory"}, {"member_index": 0}, {"threshold": 3}, {"share_count": 4}, {"share_set": 4321},
    {"chain_id": 1}, {"vault": "0x0000000000000000000000000000000000000001"}, {"created": "2025-09-02T10:00:00+00:00"},
    {"kdf.salt": "00" * 16}, {"kdf.n": 2 * LOWEST_N},
])
def test_an_altered_detail_reads_as_a_wrong_passphrase(change: dict[str, object]) -> None:
    with pytest.raises(ShareFileError) as refused:
        decrypt_share(edited(sealed(), change), PASSPHRASE, min_n=LOWEST_N)
    assert refused.value.user_message == WRONG_PASSPHRASE


def test_a_wrong_passphrase_and_a_flipped_byte_give_the_same_message() -> None:
    data = sealed()
    ciphertext = json.loads(data)["cipher"]["ciphertext"]
    flipped = ciphertext[:10] + ("0" if ciphertext[10] != "0" else "1") + ciphertext[11:]
    nonce = json.loads(data)["cipher"]["nonce"]
    messages = set()
    attempts = ((data, "not the passphrase"), (edited(data, {"cipher.ciphertext": flipped}), PASSPHRASE),
                (edited(data, {"cipher.nonce": nonce[::-1]}), PASSPHRASE))
    for attempt, passphrase in attempts:
        with pytest.raises(ShareFileError) as refused:
            decrypt_share(attempt, passphrase, min_n=LOWEST_N)
        messages.add(refused.value.user_message)
    assert messages == {WRONG_PASSPHRASE}
    assert WORDS.split()[5] not in WRONG_PASSPHRASE


@pytest.mark.parametrize("data, reason", [
    (b"not json", "not JSON"), (b"\xff\xfe", "not JSON"), (b"[1, 2]", "not a JSON object"),
    (b'{"format": "custos-share/2"}', "format"), (b"{}", "format"), (b"[" * 100_000, "larger than 64 KiB"),
])
def test_malformed_files_are_refused_in_words(data: bytes, reason: str) -> None:
    with pytest.raises(ShareFileError, match=reason):
        decrypt_share(data, PASSPHRASE, min_n=LOWEST_N)


@pytest.mark.parametrize("change, reason", [
    ({"extra": 1}, "fields this Custos does not know"), ({"threshold": "2"}, "threshold"),
    ({"member_index": 3}, "impossible"), ({"vault": "0x1234"}, "not an address"), ({"holder": ""}, "holder"),
    ({"holder": "Ben\u202eWong"}, "control characters"), ({"kdf.name": "pbkdf2"}, "scrypt"),
    ({"kdf.r": 1}, "r=8"), ({"cipher.name": "aes-128-ctr"}, "AES-256-GCM"), ({"cipher.nonce": "zz"}, "nonce"),
    ({"kdf.n": True}, "not a number"),
])
def test_impossible_or_foreign_fields_are_refused(change: dict[str, object], reason: str) -> None:
    with pytest.raises(ShareFileError, match=reason):
        decrypt_share(edited(sealed(), change), PASSPHRASE, min_n=LOWEST_N)


def test_reading_a_file_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.custos-share"
    big.write_bytes(b"{" + b" " * MAX_FILE_BYTES)
    with pytest.raises(ShareFileError, match="larger than 64 KiB"):
        read_bounded(big)
    with pytest.raises(ShareFileError, match="cannot be read"):
        read_bounded(tmp_path / "missing")
    small = tmp_path / "ok.custos-share"
    small.write_bytes(sealed())
    assert looks_like_share_file(read_bounded(small)) and not looks_like_share_file(WORDS.encode())


@pytest.mark.parametrize("passphrase", ["short", "", "two\nlines and more"])
def test_a_weak_or_multiline_passphrase_is_refused(passphrase: str) -> None:
    with pytest.raises(ShareFileError, match="passphrase"):
        encrypt_share(WORDS, META, passphrase, scrypt_n=LOWEST_N)


def test_file_names_number_the_share_and_name_its_holder() -> None:
    assert share_file_name(0, 3, "Alice Chan") == "1-of-3-alice-chan.custos-share"
    assert share_file_name(2, 3, "陳大文") == "3-of-3-holder.custos-share"
    assert share_file_name(1, 16, "../../etc/passwd") == "2-of-16-etc-passwd.custos-share"
    assert share_file.SUFFIX == ".custos-share"
