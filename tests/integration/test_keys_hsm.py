"""HSM keys through the key service and the CLI, on a real SoftHSM2 token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_hash.auto import keccak

from tests.integration.softhsm import SoftHsmToken
from tests.integration.test_cli_demo import custos
from tests.integration.test_hsm_signer import home, token  # noqa: F401 - fixtures: a SoftHSM2 token per test
from tests.integration.test_keys import Desk, desk  # noqa: F401 - fixture: a profile with its key service
from wallet_app.errors import HsmWrongPin, KeyLocked
from wallet_app.keys.signer import KeyKind


def test_an_hsm_key_is_generated_unlocked_with_its_pin_and_signs(desk: Desk, token: SoftHsmToken) -> None:
    view = desk.keys.add_hsm_key(token.module, token.label, "officer-hsm", token.pin, "Dana (HSM)", True)
    assert view.kind is KeyKind.HSM and view.can_sign
    with pytest.raises(KeyLocked):
        desk.keys.signer(view.address)
    with pytest.raises(HsmWrongPin):
        desk.keys.unlock(view.address, "0000")
    assert desk.sleeps == [0.25]  # a wrong PIN is throttled like a wrong password
    desk.keys.unlock(view.address, token.pin)
    digest = keccak(b"approve")
    signature = desk.keys.signer(view.address).sign_digest(digest)
    assert Account._recover_hash(digest, signature=signature.to_bytes()) == view.address
    desk.keys.lock_all()
    with pytest.raises(KeyLocked):
        desk.keys.signer(view.address)


def test_custos_keys_hsm_add_from_the_command_line(tmp_path: Path, token: SoftHsmToken) -> None:
    custos(tmp_path, "profile", "create", "desk", "--network", "hashkey", "--rpc-url", "http://127.0.0.1:9")
    pin_file = tmp_path / "pin"
    pin_file.write_text(token.pin + "\n")
    base = ["--profile", "desk", "keys", "hsm", "add", "--module", token.module, "--token", token.label,
            "--key-label", "cli-officer", "--pin-file", str(pin_file)]
    generated = json.loads(custos(tmp_path, *base, "--generate", "--label", "Eve (HSM)", "--json").stdout)
    assert generated["kind"] == "hsm" and generated["label"] == "Eve (HSM)"
    again = custos(tmp_path, *base, "--generate", check=False)
    assert again.returncode == 1 and "cli-officer" in again.stderr and token.pin not in again.stderr
    listed = json.loads(custos(tmp_path, "--profile", "desk", "keys", "list", "--json").stdout)
    assert [(k["address"], k["kind"]) for k in listed] == [(generated["address"], "hsm")]
    pin_file.write_text("9999\n")
    wrong = custos(tmp_path, *base[:-2], "--pin-file", str(pin_file), check=False)
    assert wrong.returncode == 1 and "PIN" in wrong.stderr and "9999" not in wrong.stderr


def test_O2_deleting_an_hsm_key_with_its_pin_destroys_it_in_the_token(desk: Desk, token: SoftHsmToken) -> None:
    from wallet_app.errors import HsmKeyMissing
    from wallet_app.keys import hsm
    from wallet_app.keys.registry import HsmLocation, KeyRegistry

    kept = desk.keys.add_hsm_key(token.module, token.label, "kept", token.pin, "Kept", True)
    gone = desk.keys.add_hsm_key(token.module, token.label, "gone", token.pin, "Gone", True)
    desk.keys.delete_key(kept.address)  # no PIN: out of the profile, still on the token
    assert hsm.find_hsm_key(HsmLocation(token.module, token.label, "kept"), token.pin) == kept.address
    desk.keys.delete_key(gone.address, hsm_pin=token.pin)
    with pytest.raises(HsmKeyMissing):
        hsm.find_hsm_key(HsmLocation(token.module, token.label, "gone"), token.pin)
    assert desk.keys.load_keys() == []
    details = [(e.action, e.detail) for e in KeyRegistry(engine=desk.profile.engine).load_events()
               if e.action == "deleted"]
    assert details == [("deleted", "removed from the profile; the token still holds the key"),
                       ("deleted", f"destroyed on token {token.label}")]
