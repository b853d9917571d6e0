"""The demo institution's cold vault: a plain account made in a key ceremony on the demo's offline signer profile
(`demo-signer`), its key split 2 of 3 among the three officers as encrypted share files, and never held by the demo
profile, which knows only its address.

The share files are written to `demo-cold-shares/` in the data directory, each under its officer's passphrase
(documented in the README; a real institution's officers choose their own and keep their share apart).
"""

from __future__ import annotations

from pathlib import Path

from wallet_app.config import ProfileConfig, ProfilePaths, save_config
from wallet_app.domain.network import DEVNET_CHAIN_ID

DEMO_SIGNER_PROFILE = "demo-signer"
COLD_VAULT_LABEL = "Harbour cold vault"
SHARES_DIR = "demo-cold-shares"  # in the data directory, beside the profiles
COLD_THRESHOLD = 2
# The officers holding a share, and the passphrase of each one's share file (demo only; see the README).
SHARE_HOLDERS = ("Alice Chan", "Ben Wong", "Carmen Lee")
SHARE_PASSPHRASES = ("alice-cold-share", "ben-cold-share", "carmen-cold-share")


def build_demo_signer(paths: ProfilePaths, shares_dir: Path, *, name: str = DEMO_SIGNER_PROFILE,
                      chain_id: int = DEVNET_CHAIN_ID, network: str = "devnet") -> str:
    """Create the offline signer profile at `paths` (staged by the caller) and hold the cold vault's key ceremony
    there, the shares written to `shares_dir`. Returns the cold vault's address."""
    from wallet_app.audit.profile_log import build_audit_log
    from wallet_app.cold.ceremony import ShareFileWriter, create_cold_vault
    from wallet_app.cold.store import ColdStore
    from wallet_app.profiles import open_profile_dir

    config = ProfileConfig(name=name, network=network, chain_id=chain_id, offline=True)
    save_config(paths, config, create=True)
    paths.keystores.mkdir(mode=0o700, exist_ok=True)
    shares_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    profile = open_profile_dir(paths)
    try:
        store = ColdStore(engine=profile.engine, chain_id=chain_id, audit=build_audit_log(profile))
        result = create_cold_vault(store, label=COLD_VAULT_LABEL, threshold=COLD_THRESHOLD, holders=SHARE_HOLDERS,
                                   deliver=ShareFileWriter(shares_dir, SHARE_PASSPHRASES))
    finally:
        profile.close()
    return result.vault.address
