"""Keys: keystores, the OS keyring, watch-only and custody rules, on real files, scrypt and gnome-keyring.

Named after SECURITY.md: H1-H5, H7-H9, C7. HSM tests are in test_hsm_signer.py.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import rlp
from eth_account import Account
from eth_hash.auto import keccak

from wallet_app.config import ProfileConfig
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import (
    ConfigError,
    CustodyRuleViolation,
    KeyLocked,
    KeyringUnavailable,
    KeystoreInvalid,
    WatchOnly,
    WrongPassword,
)
from wallet_app.keys import keystore as keystore_module
from wallet_app.keys.keystore import new_private_key
from wallet_app.keys.os_keyring import OsKeyring
from wallet_app.keys.registry import KeyRegistry
from wallet_app.keys.service import KeyService
from wallet_app.keys.signature import HALF_N
from wallet_app.keys.signer import KeyKind
from wallet_app.profiles import Profile, create_profile

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
PASSWORD = "correct horse battery"
MNEMONIC = "test test test test test test test test test test test junk"
MNEMONIC_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # m/44'/60'/0'/0/0
KNOWN_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


@dataclass
class Desk:
    profile: Profile
    keys: KeyService
    sleeps: list[float] = field(default_factory=list)
    vaults: list[VaultInfo] = field(default_factory=list)
    now: list[float] = field(default_factory=lambda: [1000.0])


def make_desk(home: Path, *, allow_quorum: bool = False, service: str | None = None, factors: int = 1) -> Desk:
    config = ProfileConfig(name="desk", network="hashkey", chain_id=177, rpc_urls=("http://127.0.0.1:9",),
                           allow_quorum_on_device=allow_quorum, idle_lock_seconds=60, unlock_factors=factors)
    profile = create_profile(home, config)
    desk = Desk(profile, None)  # type: ignore[arg-type]
    desk.keys = KeyService(
        registry=KeyRegistry(engine=profile.engine),
        keystore_dir=profile.paths.keystores,
        os_keyring=OsKeyring(service=service or f"custos-test:{secrets.token_hex(4)}"),
        load_vaults=lambda: desk.vaults,
        allow_quorum_on_device=allow_quorum,
        idle_timeout_seconds=60,
        unlock_factors=factors,
        clock=lambda: desk.now[0],
        backoff_unit_seconds=0.25,
        sleep=desk.sleeps.append,
    )
    return desk


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    d = make_desk(tmp_path)
    yield d
    d.keys.lock_all()
    d.profile.close()


def test_H1_wrong_passwords_get_one_message_and_a_growing_delay(desk: Desk) -> None:
    view = desk.keys.create_key("Alice", PASSWORD)
    messages = []
    for _ in range(3):
        with pytest.raises(WrongPassword) as wrong:
            desk.keys.unlock(view.address, "not the password")
        messages.append(wrong.value.user_message)
    assert len(set(messages)) == 1 and "password" not in messages[0].lower().split("the password is")[0]
    assert desk.sleeps == [0.25, 0.5, 1.0]
    desk.keys.unlock(view.address, PASSWORD)
    assert desk.keys.signer(view.address).address == view.address
    events = [e.action for e in KeyRegistry(engine=desk.profile.engine).load_events()]
    assert events == ["created", "unlocked"]


def test_H2_tampered_or_weak_keystores_are_refused(desk: Desk) -> None:
    view = desk.keys.create_key("Alice", PASSWORD)
    path = desk.profile.paths.keystores / f"{view.address}.json"
    original = json.loads(path.read_text())

    def write(change: dict[str, object]) -> None:
        data = json.loads(json.dumps(original))
        data["crypto"].update(change)
        path.write_text(json.dumps(data))

    flipped = original["crypto"]["ciphertext"]
    flipped = ("0" if flipped[0] != "0" else "1") + flipped[1:]
    for change in ({"ciphertext": flipped}, {"mac": "00" * 32}):
        write(change)
        with pytest.raises(WrongPassword, match="wrong, or the keystore file was altered"):
            desk.keys.unlock(view.address, PASSWORD)
    weak = dict(original["crypto"]["kdfparams"], n=2)
    write({"kdfparams": weak})
    with pytest.raises(KeystoreInvalid, match="below Custos's floor"):
        desk.keys.unlock(view.address, PASSWORD)
    pbkdf2 = Account.encrypt(new_private_key(), PASSWORD, kdf="pbkdf2", iterations=1)
    with pytest.raises(KeystoreInvalid, match="scrypt keystores only"):
        desk.keys.import_keystore(json.dumps(pbkdf2), PASSWORD, "weak")
    for garbage in ("not json", "[]", json.dumps({"version": 3, "crypto": {"cipher": "aes-128-ctr"}})):
        with pytest.raises(KeystoreInvalid):
            desk.keys.import_keystore(garbage, PASSWORD, "x")
    assert sorted(p.name for p in desk.profile.paths.keystores.iterdir()) == [f"{view.address}.json"]


def test_H4_no_key_mnemonic_or_password_lies_anywhere_in_the_profile(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    keys = desk.keys
    imported = keys.import_private_key("0x" + KNOWN_KEY, "Imported", PASSWORD)
    from_words = keys.import_mnemonic(MNEMONIC, "m/44'/60'/0'/0/0", "From words", PASSWORD)
    created = keys.create_key("Created", PASSWORD)
    keys.unlock(imported.address, PASSWORD)
    keys.signer(imported.address).sign_digest(keccak(b"leak test"))
    keys.export_backup(imported.address, tmp_path / "backup.json", PASSWORD)
    keys.change_password(created.address, PASSWORD, PASSWORD + "!")
    keys.lock_all()
    keys.delete_key(from_words.address)
    desk.profile.close()
    needles = [KNOWN_KEY.encode(), bytes.fromhex(KNOWN_KEY), MNEMONIC.encode(), PASSWORD.encode(),
               b"test junk", bytes(Account.from_mnemonic(MNEMONIC).key)]
    hits = []
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            hits += [(path.name, n[:8]) for n in needles if n in content or n.hex().encode() in content]
    assert hits == []


def test_H5_a_plaintext_or_null_keyring_is_refused(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail, null

    view = desk.keys.create_key("Alice", PASSWORD)
    for backend in (null.Keyring(), fail.Keyring()):
        monkeypatch.setattr(keyring, "get_keyring", lambda backend=backend: backend)
        with pytest.raises(KeyringUnavailable, match="does not keep secrets encrypted"):
            desk.keys.unlock(view.address, PASSWORD, remember=True)


def test_H5_the_real_secret_service_remembers_and_forgets(desk: Desk) -> None:
    if not os.environ.get("CUSTOS_TEST_KEYRING"):
        pytest.fail("run the suite through `make test`, which starts gnome-keyring on a private D-Bus session")
    view = desk.keys.create_key("Alice", PASSWORD)
    desk.keys.unlock(view.address, PASSWORD, remember=True)
    assert desk.keys.load_keys()[0].remembered
    desk.keys.lock_all()
    assert desk.keys.unlock_from_keyring(view.address)
    desk.keys.signer(view.address)
    desk.keys.lock_all()
    import keyring

    keyring.delete_password(desk.keys._keyring._service, view.address)  # removed outside Custos
    assert desk.keys.unlock_from_keyring(view.address) is False
    assert not desk.keys.load_keys()[0].remembered
    events = [e.action for e in KeyRegistry(engine=desk.profile.engine).load_events()]
    assert events.count("secret remembered") == 1 and events[-1] == "secret forgotten"
    with pytest.raises(KeyLocked):
        desk.keys.signer(view.address)


def _vault(label: str, *owners: str) -> VaultInfo:
    return VaultInfo("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", label, "1.4.1", owners, 2, 0, 0, 1)


def test_H7_a_second_owner_key_of_one_vault_is_refused_unless_the_profile_allows_it(tmp_path: Path) -> None:
    first, second = new_private_key(), new_private_key()
    owners = (Account.from_key(first).address, Account.from_key(second).address)
    strict = make_desk(tmp_path / "strict")
    strict.vaults = [_vault("Client vault", *owners)]
    strict.keys.import_private_key(first.hex(), "Alice", PASSWORD)
    with pytest.raises(CustodyRuleViolation, match="Client vault"):
        strict.keys.import_private_key(second.hex(), "Ben", PASSWORD)
    assert len(strict.keys.load_keys()) == 1
    assert not (strict.profile.paths.keystores / f"{owners[1]}.json").exists()
    strict.keys.add_watch(owners[1], "Ben (watch)")  # watching is not holding
    demo = make_desk(tmp_path / "demo", allow_quorum=True)
    demo.vaults = strict.vaults
    demo.keys.import_private_key(first.hex(), "Alice", PASSWORD)
    demo.keys.import_private_key(second.hex(), "Ben", PASSWORD)
    assert [k.vaults for k in demo.keys.load_keys()] == [("Client vault",), ("Client vault",)]


def test_H8_keys_come_from_the_os_generator_and_a_broken_one_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keystore_module.secrets, "token_bytes", lambda n: bytes(n))
    with pytest.raises(RuntimeError, match="refusing"):
        new_private_key()
    sources = "".join(p.read_text() for p in Path(keystore_module.__file__).parent.glob("*.py"))
    assert "import random" not in sources and "from random" not in sources


def test_H9_a_backup_restores_the_same_address_and_a_weaker_one_is_refused(desk: Desk, tmp_path: Path) -> None:
    view = desk.keys.create_key("Alice", PASSWORD)
    backup = desk.keys.export_backup(view.address, tmp_path / "alice-backup.json", PASSWORD)
    with pytest.raises(ConfigError, match="already exists"):
        desk.keys.export_backup(view.address, backup, PASSWORD)
    other = make_desk(tmp_path / "restore")
    restored = other.keys.import_keystore(backup.read_text(), PASSWORD, "Alice restored")
    assert restored.address == view.address
    weak = json.loads(backup.read_text())
    weak["crypto"]["kdfparams"]["n"] = 2**10
    with pytest.raises(KeystoreInvalid):
        make_desk(tmp_path / "weak").keys.import_keystore(json.dumps(weak), PASSWORD, "weak")


def test_C7_eip155_reference_transaction_through_the_keystore_signer(desk: Desk) -> None:
    view = desk.keys.import_private_key("46" * 32, "EIP-155", PASSWORD)
    desk.keys.unlock(view.address, PASSWORD)
    signer = desk.keys.signer(view.address)
    fields = [9, 20 * 10**9, 21000, bytes.fromhex("35" * 20), 10**18, b"", 1, 0, 0]
    digest = keccak(rlp.encode(fields))
    assert digest.hex() == "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    sig = signer.sign_digest(digest)
    assert sig.recovery_id + 35 + 2 * 1 == 37
    assert sig.r == 18515461264373351373200002665853028612451056578545711640558177340181847433846
    assert sig.s == 46948507304638947509940763649030358759909902576025900602547168820602576006531
    seen = {signer.sign_digest(os.urandom(32)).r for _ in range(2000)}
    assert len(seen) == 2000  # RFC 6979 nonces never repeat across messages
    assert all(signer.sign_digest(os.urandom(32)).s <= HALF_N for _ in range(200))


def test_eip712_mail_vector_through_the_keystore_signer(desk: Desk) -> None:
    vector = json.loads((VECTORS / "eip712_mail_example.json").read_text())["expected"]
    view = desk.keys.import_private_key(keccak(b"cow").hex(), "Cow", PASSWORD)
    assert view.address.lower() == vector["signer_address"]
    desk.keys.unlock(view.address, PASSWORD)
    sig = desk.keys.signer(view.address).sign_digest(bytes.fromhex(vector["signHash"][2:]))
    assert "0x" + sig.to_bytes().hex() == vector["eth_signTypedData_result"]


def test_watch_only_addresses_never_sign(desk: Desk) -> None:
    view = desk.keys.add_watch("0xd8da6bf26964af9d7eed9e03e53415d37aa96045", "Auditor view")
    assert view.kind is KeyKind.WATCH and not view.can_sign
    with pytest.raises(WatchOnly):
        desk.keys.unlock(view.address, "anything")
    with pytest.raises(WatchOnly):
        desk.keys.signer(view.address)


def test_keys_lock_after_the_idle_time_and_on_demand(desk: Desk) -> None:
    a = desk.keys.create_key("A", PASSWORD)
    desk.keys.unlock(a.address, PASSWORD)
    desk.now[0] += 30
    desk.keys.signer(a.address)  # use resets the idle clock
    desk.now[0] += 59
    assert desk.keys.lock_idle() == []
    desk.now[0] += 1
    assert desk.keys.lock_idle() == [a.address]
    with pytest.raises(KeyLocked):
        desk.keys.signer(a.address)


@pytest.mark.parametrize(
    ("words", "path", "message"),
    [
        ("test " * 11 + "test", "m/44'/60'/0'/0/0", "bad checksum"),
        (MNEMONIC, "m/44'/60'/0'/0/2147483648", "out of range"),
        (MNEMONIC, "44/60", "not a derivation path"),
        ("only three words", "m/44'/60'/0'/0/0", "12, 15, 18, 21 or 24"),
    ],
)
def test_bad_mnemonics_and_paths_write_nothing(desk: Desk, words: str, path: str, message: str) -> None:
    with pytest.raises(KeystoreInvalid, match=message) as refused:
        desk.keys.import_mnemonic(words, path, "x", PASSWORD)
    assert "junk" not in refused.value.user_message and "test test" not in refused.value.user_message
    assert list(desk.profile.paths.keystores.iterdir()) == []
    assert desk.keys.load_keys() == []


def test_mnemonic_import_derives_the_expected_address(desk: Desk) -> None:
    assert desk.keys.import_mnemonic(MNEMONIC, "m/44'/60'/0'/0/0", "Words", PASSWORD).address == MNEMONIC_ADDRESS


def test_short_passwords_and_duplicate_keys_are_refused(desk: Desk) -> None:
    with pytest.raises(KeystoreInvalid, match="at least 8"):
        desk.keys.create_key("A", "short")
    desk.keys.import_private_key(KNOWN_KEY, "A", PASSWORD)
    with pytest.raises(ConfigError, match="already holds"):
        desk.keys.import_private_key(KNOWN_KEY, "A again", PASSWORD)


H3_WORKER = """
import sys
from pathlib import Path
from wallet_app.profiles import open_profile
from wallet_app.services import build_key_service
keys = build_key_service(open_profile(sys.argv[1], "desk"))
address, passwords = sys.argv[2], ["{a}", "{b}"]
print("ready", flush=True)
i = 0
while True:
    keys.change_password(address, passwords[i % 2], passwords[(i + 1) % 2])
    i += 1
"""


def test_H3_a_kill_during_re_encryption_leaves_the_old_or_the_new_keystore(tmp_path: Path) -> None:
    import random
    import signal
    import subprocess
    import sys
    import time

    desk = make_desk(tmp_path)
    view = desk.keys.create_key("Alice", PASSWORD)
    desk.profile.close()
    other = PASSWORD + "-2"
    script = H3_WORKER.replace("{a}", PASSWORD).replace("{b}", other)
    path = tmp_path / "profiles" / "desk" / "keystores" / f"{view.address}.json"
    for attempt in range(3):
        worker = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), view.address],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        time.sleep(0.5 + random.random() * 1.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        data = keystore_module.parse_keystore(path.read_bytes())  # whole, never half-written
        opened = []
        for password in (PASSWORD, other):
            try:
                opened.append(keystore_module.decrypt_keystore(data, password))
            except WrongPassword:
                pass
        assert len(opened) == 1, f"attempt {attempt}: the keystore opens with neither password"


def test_H10_a_two_factor_profile_never_unlocks_from_a_remembered_secret_alone(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, factors=2)
    view = desk.keys.create_key("Alice", PASSWORD)
    assert not desk.keys.remembering_allowed
    with pytest.raises(ConfigError, match="needs 2 factors"):
        desk.keys.unlock(view.address, PASSWORD, remember=True)
    with pytest.raises(KeyLocked):
        desk.keys.signer(view.address)  # the refused request unlocked nothing
    with pytest.raises(ConfigError, match="needs 2 factors"):
        desk.keys.unlock_from_keyring(view.address)
    desk.keys.unlock(view.address, PASSWORD)  # typed secret + the key on this device: two factors
    desk.now[0] += 61
    assert desk.keys.lock_idle() == [view.address]
    with pytest.raises(KeyLocked):
        desk.keys.signer(view.address)  # after the idle lock, the factors are asked for again
    desk.profile.close()


def test_H10_profiles_accept_one_or_two_factors_only(tmp_path: Path) -> None:
    from wallet_app.profiles import open_profile

    desk = make_desk(tmp_path, factors=2)
    desk.profile.close()
    config_file = tmp_path / "profiles" / "desk" / "profile.json"
    data = json.loads(config_file.read_text())
    assert data["unlock_factors"] == 2  # real profiles default to two factors
    data["unlock_factors"] = 3
    config_file.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="1 or 2"):
        open_profile(tmp_path, "desk")
