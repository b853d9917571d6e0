"""M4 and M5 with an HSM key on a real SoftHSM2 token: generating, unlocking with the PIN, a wrong PIN, locking and
destroying the key are audit entries, and neither PIN is anywhere in the database or an export."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.softhsm import SoftHsmToken
from tests.integration.test_hsm_signer import PIN, WRONG_PIN, home, token  # noqa: F401 - fixtures
from wallet_app.audit import actions
from wallet_app.audit.export import export_audit
from wallet_app.config import ProfileConfig
from wallet_app.errors import HsmWrongPin
from wallet_app.profiles import create_profile
from wallet_app.services import build_audit_log, build_key_service


def test_M4_no_pin_in_the_log_of_an_hsm_session(tmp_path: Path, token: SoftHsmToken) -> None:
    profile = create_profile(tmp_path / "home", ProfileConfig(name="desk", network="hashkey", chain_id=177))
    try:
        audit = build_audit_log(profile)
        keys = build_key_service(profile, audit)
        view = keys.add_hsm_key(token.module, token.label, "officer-hsm", token.pin, "Dana (HSM)", True)
        with pytest.raises(HsmWrongPin):
            keys.unlock(view.address, WRONG_PIN)
        keys.unlock(view.address, token.pin)
        keys.lock(view.address)
        keys.delete_key(view.address, hsm_pin=token.pin)
        export_audit(audit, "json", tmp_path / "audit.json")
        export_audit(audit, "csv", tmp_path / "audit.csv")
        done = [(e.action, e.actor) for e in audit.load_all()]
        assert audit.verify().intact
    finally:
        profile.close()
    assert done == [(actions.KEY_CREATE, actions.OPERATOR), (actions.UNLOCK_FAILED, actions.OPERATOR),
                    (actions.UNLOCK, view.address),
                    (actions.LOCK, view.address), (actions.KEY_DELETE, actions.OPERATOR),
                    (actions.EXPORT, actions.OPERATOR), (actions.EXPORT, actions.OPERATOR)]
    database = profile.paths.database_file
    for path in (*database.parent.glob(database.name + "*"), tmp_path / "audit.json", tmp_path / "audit.csv"):
        data = path.read_bytes()
        assert PIN.encode() not in data and WRONG_PIN.encode() not in data, f"a PIN is in {path.name}"
