"""Key actions in the audit log (M5) and no secret anywhere in it (M4): a realistic session with the real key service
on a profile, then the database file, its WAL and both exports are searched for every password, private key and
mnemonic used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from wallet_app.audit import actions
from wallet_app.audit.export import export_audit
from wallet_app.config import ProfileConfig
from wallet_app.errors import WrongPassword
from wallet_app.profiles import create_profile
from wallet_app.services import build_audit_log, build_key_service

DESK = ProfileConfig(name="desk", network="hashkey", chain_id=177)  # no node is ever asked
PASSWORDS = ("first correct horse", "48291637", "changed battery staple")  # the second looks like a PIN
WRONG = "a wrong guess 7731"
IMPORTED = "8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f"
MNEMONIC = "test test test test test test test test test test test junk"


def test_M4_no_secrets_in_the_log(tmp_path: Path) -> None:
    profile = create_profile(tmp_path / "home", DESK)
    try:
        audit = build_audit_log(profile)
        keys = build_key_service(profile, audit)
        created = keys.create_key("Officer A", PASSWORDS[0])
        imported = keys.import_private_key("0x" + IMPORTED, "Officer B", PASSWORDS[1])
        derived = keys.import_mnemonic(MNEMONIC, "m/44'/60'/0'/0/0", "Officer C", PASSWORDS[1])
        with pytest.raises(WrongPassword):
            keys.unlock(created.address, WRONG)
        keys.unlock(created.address, PASSWORDS[0])
        keys.signer(created.address)
        keys.lock(created.address)
        keys.export_backup(imported.address, tmp_path / "backup.json", PASSWORDS[1])
        keys.change_password(created.address, PASSWORDS[0], PASSWORDS[2])
        keys.unlock(derived.address, PASSWORDS[1])
        keys.add_watch("0x" + "12" * 20, "Watched")
        keys.delete_key(imported.address)
        keys.lock_all()
        csv_out, json_out = tmp_path / "audit.csv", tmp_path / "audit.json"
        export_audit(audit, "csv", csv_out)
        export_audit(audit, "json", json_out)
        entries = audit.load_all()
        private_keys = [IMPORTED, bytes(Account.from_mnemonic(MNEMONIC).key).hex()]
        keystore = json.loads((profile.paths.keystores / f"{created.address}.json").read_text())
        private_keys.append(bytes(Account.decrypt(keystore, PASSWORDS[2])).hex())
        assert audit.verify().intact
    finally:
        profile.close()

    stored = b"".join(p.read_bytes() for p in profile.paths.database_file.parent.glob(
        profile.paths.database_file.name + "*"))  # the database, its WAL and shared memory files
    haystacks = {"database": stored.lower(), "csv": csv_out.read_bytes().lower(), "json": json_out.read_bytes().lower()}
    needles = [*PASSWORDS, WRONG, *private_keys, *(k.upper() for k in private_keys), MNEMONIC,
               " ".join(MNEMONIC.split()[:4])]
    for where, haystack in haystacks.items():
        for needle in needles:
            assert needle.lower().encode() not in haystack, f"a secret is in the {where}"
    assert b"backup.json" in haystacks["csv"]  # the file name is recorded; its content is not

    # M5: every key action is an entry, with actor, time and the key as subject
    done = [(e.action, e.subject) for e in entries]
    for action, subject in ((actions.KEY_CREATE, created.address), (actions.KEY_IMPORT, imported.address),
                            (actions.UNLOCK_FAILED, created.address),
                            (actions.KEY_IMPORT, derived.address), (actions.UNLOCK, created.address),
                            (actions.LOCK, created.address), (actions.KEY_EXPORT, imported.address),
                            (actions.KEY_PASSWORD, created.address), (actions.KEY_WATCH, "0x" + "12" * 20),
                            (actions.KEY_DELETE, imported.address), (actions.LOCK, derived.address)):
        assert (action, subject) in done, (action, subject, done)
    by_action = {e.action: e for e in reversed(entries)}  # the first of each
    assert by_action[actions.UNLOCK].actor == created.address and by_action[actions.UNLOCK].actor_label == "Officer A"
    assert by_action[actions.KEY_CREATE].actor == actions.OPERATOR
    assert by_action[actions.LOCK].details()["reason"] in ("locked", "all keys locked")
    assert all(e.at is not None and e.monotonic_ns > 0 and e.host for e in entries)
