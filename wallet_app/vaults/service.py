"""What the front ends ask about vaults: read them live, and keep the snapshot for the next start."""

from __future__ import annotations

from pathlib import Path

from wallet_app.chain.client import ChainClient
from wallet_app.domain.vaults import VaultInfo
from wallet_app.vaults.reader import VaultRef, fetch_vault_infos
from wallet_app.vaults.registry import VaultRegistry
from wallet_app.vaults.snapshot import save_snapshot


class VaultService:
    def __init__(self, *, chain: ChainClient, registry: VaultRegistry, chain_id: int, snapshot_path: Path) -> None:
        self._chain = chain
        self._registry = registry
        self._chain_id = chain_id
        self._snapshot_path = snapshot_path

    def fetch_vaults(self) -> list[VaultInfo]:
        refs = [VaultRef(e.address, e.label) for e in self._registry.load_entries()]
        infos = fetch_vault_infos(self._chain, refs, self._chain_id)
        save_snapshot(self._snapshot_path, self._chain_id, infos)
        return infos
