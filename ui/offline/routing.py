"""Which window a profile opens in: `custos-gui` asks this before it builds any window, so that an offline signer
profile never reaches the main window (whose session builds the chain stack)."""

from __future__ import annotations

from pathlib import Path


def profile_is_offline(home: Path | None, name: str) -> bool:
    """Whether the profile `name` in `home` is an offline signer; reads its settings file only (a few hundred bytes,
    no database, no chain). A missing or unreadable profile is not offline here: opening it reports why."""
    from wallet_app.config import load_config, profile_paths, resolve_home
    from wallet_app.errors import WalletError

    try:
        return load_config(profile_paths(resolve_home(home), name)).offline
    except WalletError:
        return False
