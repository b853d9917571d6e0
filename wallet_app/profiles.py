"""Opening and creating profiles. Light on purpose: no chain stack is imported here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from wallet_app.config import (
    ProfileConfig,
    ProfileFacts,
    ProfilePaths,
    load_config,
    profile_paths,
    resolve_home,
    save_config,
)
from wallet_app.domain.vaults import VaultInfo
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.labels import AddressLabel, LabelBook
from wallet_app.vaults.anchors import AnchorStore
from wallet_app.vaults.registry import VaultRegistry
from wallet_app.vaults.snapshot import VaultSnapshot, load_snapshot


@dataclass(frozen=True)
class Profile(ProfileFacts):
    home: Path
    paths: ProfilePaths
    config: ProfileConfig
    engine: Engine
    vault_registry: VaultRegistry
    label_book: LabelBook

    def load_vault_snapshot(self) -> VaultSnapshot | None:
        return load_snapshot(self.paths.vault_snapshot, self.config.chain_id)

    def load_known_vaults(self) -> list[VaultInfo]:
        """The vaults as last read from the chain (the snapshot); on an offline profile, as anchored there."""
        if self.is_offline:
            return [VaultInfo(address=a.facts.address, label=a.facts.label, version=a.facts.version,
                              owners=a.facts.owners, threshold=a.facts.threshold, nonce=0, balance=0, block_number=0)
                    for a in AnchorStore(engine=self.engine, chain_id=self.config.chain_id).load_all()]
        snapshot = self.load_vault_snapshot()
        return snapshot.vaults if snapshot is not None else []

    def load_labels(self) -> dict[str, AddressLabel]:
        return self.label_book.load_all()

    def close(self) -> None:
        self.engine.dispose()


def database_url(paths: ProfilePaths, config: ProfileConfig) -> str:
    return config.database_url or sqlite_url(paths.database_file)


def open_profile(home: Path | str | None, name: str) -> Profile:
    return open_profile_dir(profile_paths(resolve_home(home), name))


def open_profile_dir(paths: ProfilePaths) -> Profile:
    """Open the profile stored in `paths.root`, wherever that directory is (for instance while staged)."""
    config = load_config(paths)
    engine = open_database(database_url(paths, config))
    return Profile(
        home=paths.root.parent.parent,
        paths=paths,
        config=config,
        engine=engine,
        vault_registry=VaultRegistry(engine=engine, chain_id=config.chain_id),
        label_book=LabelBook(engine=engine, chain_id=config.chain_id),
    )


def create_profile(home: Path | str | None, config: ProfileConfig) -> Profile:
    resolved = resolve_home(home)
    paths = profile_paths(resolved, config.name)
    save_config(paths, config, create=True)
    paths.keystores.mkdir(mode=0o700, exist_ok=True)
    return open_profile(resolved, config.name)
