"""Where Custos keeps its data, and the settings of one profile.

A home directory holds `profiles/<name>/`; each profile directory holds `profile.json` (these settings), the
profile database `custos.db`, `keystores/` and, for the embedded network, `devnet/`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from wallet_app.domain.network import PRESETS, NetworkPreset
from wallet_app.errors import ConfigError, ProfileExists, ProfileNotFound
from wallet_app.storage.atomic import write_atomic

CONFIG_FORMAT = 1
CONFIG_FILE = "profile.json"
_PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def resolve_home(home: Path | str | None = None) -> Path:
    """The data home: an explicit directory, else $CUSTOS_HOME, else the platform's user data directory."""
    if home:
        return Path(home).expanduser().resolve()
    env = os.environ.get("CUSTOS_HOME")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("custos", appauthor=False))


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ConfigError(
            f"'{name[:40]}' is not a valid profile name: use 1-40 lowercase letters, digits, '-' or '_'"
        )
    return name


@dataclass(frozen=True, slots=True)
class ProfilePaths:
    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def database_file(self) -> Path:
        return self.root / "custos.db"

    @property
    def keystores(self) -> Path:
        return self.root / "keystores"

    @property
    def devnet(self) -> Path:
        return self.root / "devnet"

    @property
    def vault_snapshot(self) -> Path:
        return self.root / "vaults-snapshot.json"


def profile_paths(home: Path, name: str) -> ProfilePaths:
    return ProfilePaths(home / "profiles" / check_profile_name(name))


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    name: str
    network: str  # a key of PRESETS
    chain_id: int
    rpc_urls: tuple[str, ...] = ()
    demo: bool = False
    # CCSS: one device must not hold a quorum of a vault's keys; only a demo profile may allow it.
    allow_quorum_on_device: bool = False
    database_url: str | None = None  # None: the profile's SQLite file
    idle_lock_seconds: int = 300  # unlocked keys lock again after this long unused
    # Factors needed to unlock a key (CCSS): 2 = something known (typed password or PIN) plus something held (this
    # device's keystore file, or the HSM token). 1 also allows a secret remembered in the OS keyring alone.
    unlock_factors: int = 2
    # An air-gapped signer: no chain client is ever built and no socket opened; vaults and policy are anchored on the
    # machine itself (wallet_app.offline).
    offline: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def preset(self) -> NetworkPreset:
        return PRESETS[self.network]

    def with_rpc_urls(self, urls: tuple[str, ...]) -> ProfileConfig:
        return replace(self, rpc_urls=urls)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["rpc_urls"] = list(self.rpc_urls)
        return {"format": CONFIG_FORMAT, **data}

    @classmethod
    def from_json(cls, data: object, *, source: Path) -> ProfileConfig:
        if not isinstance(data, dict):
            raise ConfigError(f"{source} is not a Custos profile file (expected a JSON object)")
        fmt = data.get("format")
        if fmt != CONFIG_FORMAT:
            raise ConfigError(f"{source} has format {fmt!r}; this Custos reads format {CONFIG_FORMAT}")
        try:
            network = str(data["network"])
            if network not in PRESETS:
                raise ConfigError(f"{source}: unknown network '{network[:40]}'")
            urls = data.get("rpc_urls", [])
            extra = data.get("extra", {})
            if not isinstance(urls, list) or not isinstance(extra, dict):
                raise ConfigError(f"{source}: rpc_urls must be a list and extra an object")
            chain_id = data["chain_id"]
            if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id <= 0:
                raise ConfigError(f"{source}: chain_id must be a positive integer")
            db_url = data.get("database_url")
            factors = data.get("unlock_factors", 2)
            if factors not in (1, 2):
                raise ConfigError(
                    f"{source}: unlock_factors must be 1 or 2 (three factors, CCSS level III, is not available yet)"
                )
            idle = data.get("idle_lock_seconds", 300)
            if not isinstance(idle, int) or isinstance(idle, bool) or not 10 <= idle <= 86_400:
                raise ConfigError(f"{source}: idle_lock_seconds must be an integer from 10 to 86400")
            offline = data.get("offline", False)
            if not isinstance(offline, bool):
                raise ConfigError(f"{source}: offline must be true or false")
            if offline and urls:
                raise ConfigError(f"{source}: an offline profile names no RPC endpoint, yet rpc_urls is set")
            return cls(
                name=check_profile_name(str(data["name"])),
                network=network,
                chain_id=chain_id,
                rpc_urls=tuple(str(u) for u in urls),
                demo=bool(data.get("demo", False)),
                allow_quorum_on_device=bool(data.get("allow_quorum_on_device", False)),
                database_url=None if db_url is None else str(db_url),
                idle_lock_seconds=idle,
                unlock_factors=int(factors),
                offline=offline,
                extra={str(k): str(v) for k, v in extra.items()},
            )
        except KeyError as missing:
            raise ConfigError(f"{source} lacks the setting {missing}") from None


class ProfileFacts:
    """Name, demo flag and network of anything that carries a profile's `config`."""

    config: ProfileConfig

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def is_demo(self) -> bool:
        return self.config.demo

    @property
    def preset(self) -> NetworkPreset:
        return self.config.preset

    @property
    def allows_quorum_on_device(self) -> bool:
        return self.config.allow_quorum_on_device

    @property
    def is_offline(self) -> bool:
        return self.config.offline


def load_config(paths: ProfilePaths) -> ProfileConfig:
    if not paths.config_file.exists():
        raise ProfileNotFound(
            f"There is no profile '{paths.root.name}' in {paths.root.parent.parent}. "
            "Create it with 'custos demo init' or 'custos profile create'."
        )
    try:
        data = json.loads(paths.config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{paths.config_file} cannot be read: {exc.__class__.__name__}") from None
    return ProfileConfig.from_json(data, source=paths.config_file)


def save_config(paths: ProfilePaths, config: ProfileConfig, *, create: bool) -> None:
    if create and paths.config_file.exists():
        raise ProfileExists(f"The profile '{config.name}' already exists in {paths.root.parent.parent}")
    paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = json.dumps(config.to_json(), indent=2, sort_keys=True) + "\n"
    write_atomic(paths.config_file, text.encode("utf-8"))


def list_profiles(home: Path) -> list[str]:
    root = home / "profiles"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".") and (p / CONFIG_FILE).is_file())
