"""A first look at a profile before it is opened: its settings and its saved vault snapshot.

Standard library only (no database, no chain stack), so that a window can paint the last known vaults within a
moment of starting. Anything unusual returns None; opening the profile for real reports it properly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wallet_app.config import ProfileConfig, ProfileFacts, load_config, profile_paths, resolve_home
from wallet_app.errors import WalletError
from wallet_app.vaults.snapshot import VaultSnapshot, load_snapshot


@dataclass(frozen=True)
class ProfilePeek(ProfileFacts):
    config: ProfileConfig
    snapshot: VaultSnapshot | None


def peek_profile(home: Path | str | None, name: str) -> ProfilePeek | None:
    try:
        paths = profile_paths(resolve_home(home), name)
        config = load_config(paths)
    except WalletError:
        return None
    return ProfilePeek(config, load_snapshot(paths.vault_snapshot, config.chain_id))
