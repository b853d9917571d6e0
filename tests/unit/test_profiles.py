import json
import sqlite3
from pathlib import Path

import pytest

from wallet_app.config import ProfileConfig, list_profiles
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import ConfigError, ProfileExists, ProfileNotFound, SchemaTooNew
from wallet_app.profile_peek import peek_profile
from wallet_app.profiles import create_profile, open_profile
from wallet_app.storage.database import known_revisions
from wallet_app.storage.schema import SCHEMA_HEAD
from wallet_app.vaults.snapshot import load_snapshot, save_snapshot

VAULT = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def _config(name: str = "desk") -> ProfileConfig:
    return ProfileConfig(name=name, network="hashkey", chain_id=177, rpc_urls=("http://127.0.0.1:9",))


def test_a_created_profile_reopens_with_its_settings(tmp_path: Path) -> None:
    create_profile(tmp_path, _config()).close()
    profile = open_profile(tmp_path, "desk")
    assert profile.config == _config()
    assert profile.preset.name == "HashKey Chain"
    assert list_profiles(tmp_path) == ["desk"]
    assert (profile.paths.root.stat().st_mode & 0o777) == 0o700
    profile.close()


def test_an_unknown_profile_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileNotFound, match="custos demo init"):
        open_profile(tmp_path, "nobody")


def test_a_profile_is_never_created_twice(tmp_path: Path) -> None:
    create_profile(tmp_path, _config()).close()
    with pytest.raises(ProfileExists):
        create_profile(tmp_path, _config())


@pytest.mark.parametrize("name", ["", "Demo", "../x", "a b", "x" * 41])
def test_bad_profile_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError):
        open_profile(tmp_path, name)


def test_a_damaged_config_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    create_profile(tmp_path, _config()).close()
    config_file = tmp_path / "profiles" / "desk" / "profile.json"
    config_file.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot be read"):
        open_profile(tmp_path, "desk")
    assert config_file.read_text() == "{not json"
    config_file.write_text(json.dumps({"format": 1, "name": "desk", "network": "mars", "chain_id": 1}))
    with pytest.raises(ConfigError, match="unknown network"):
        open_profile(tmp_path, "desk")


def test_vault_snapshot_round_trips_and_is_peeked_without_the_database(tmp_path: Path) -> None:
    profile = create_profile(tmp_path, _config())
    assert profile.load_vault_snapshot() is None
    second = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    infos = [
        VaultInfo(VAULT, "Client vault", "1.4.1", (second, VAULT), 2, 3, 10**18, 12),
        VaultInfo(second, "Treasury", "1.4.1", (VAULT,), 1, 0, 5, 11),
    ]
    save_snapshot(profile.paths.vault_snapshot, 177, infos)
    snapshot = profile.load_vault_snapshot()
    assert snapshot is not None and snapshot.vaults == infos and snapshot.block_number == 11
    assert snapshot.fetched_at.tzinfo is not None
    peek = peek_profile(tmp_path, "desk")
    assert peek is not None and peek.snapshot == snapshot and peek.preset.name == "HashKey Chain"
    assert peek_profile(tmp_path, "nobody") is None
    profile.close()


def test_a_damaged_or_foreign_snapshot_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    save_snapshot(path, 177, [VaultInfo(VAULT, "v", "1.4.1", (VAULT,), 1, 0, 0, 1)])
    assert load_snapshot(path, 1) is None  # saved for another chain
    path.write_text('{"format": 1, "chain_id": 177, "vaults": [{"address": 5}], "fetched_at": "x"}')
    assert load_snapshot(path, 177) is None
    path.write_text("not json")
    assert load_snapshot(path, 177) is None


def test_schema_head_is_the_newest_migration() -> None:
    assert SCHEMA_HEAD in known_revisions()
    assert max(known_revisions()) == SCHEMA_HEAD


def test_a_database_from_a_newer_custos_is_refused_and_untouched(tmp_path: Path) -> None:
    create_profile(tmp_path, _config()).close()
    db = tmp_path / "profiles" / "desk" / "custos.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    before = db.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer Custos"):
        open_profile(tmp_path, "desk")
    assert db.read_bytes() == before


def test_the_database_runs_in_wal_mode(tmp_path: Path) -> None:
    profile = create_profile(tmp_path, _config())
    with profile.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    profile.close()


def test_address_labels_are_saved_replaced_and_validated(tmp_path: Path) -> None:
    from wallet_app.storage.labels import AddressLabel

    profile = create_profile(tmp_path, _config())
    profile.label_book.save_many([AddressLabel(VAULT.lower(), "Alice", "officer")])
    profile.label_book.save_many([AddressLabel(VAULT, "Alice Chan", "officer")])
    assert profile.load_labels() == {VAULT: AddressLabel(VAULT, "Alice Chan", "officer")}
    with pytest.raises(ValueError, match="unknown label kind"):
        profile.label_book.save_many([AddressLabel(VAULT, "x", "wizard")])
    profile.close()
