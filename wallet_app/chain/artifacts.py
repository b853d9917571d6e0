"""Compiled artifacts of the demo institution's contracts.

The artifacts are built by ``node resources/contracts/build.mjs`` (pinned solcjs, see package.json)
and committed under ``resources/contracts/build/``; a test checks they match a fresh build.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wallet_app.errors import WalletError

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
ARTIFACTS_DIR = RESOURCES_DIR / "contracts" / "build"


class ArtifactError(WalletError):
    """An artifact is missing or malformed."""

    code = "artifact"


@dataclass(frozen=True)
class ContractArtifact:
    """ABI and bytecode of one compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes


def available_artifacts() -> tuple[str, ...]:
    """Names of every committed artifact, sorted."""
    return tuple(sorted(path.stem for path in ARTIFACTS_DIR.glob("*.json")))


def _hex_field(data: dict[str, Any], key: str, path: Path) -> bytes:
    value = data.get(key)
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ArtifactError(f"{path}: '{key}' must be a 0x-prefixed hex string")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise ArtifactError(f"{path}: '{key}' is not valid hex") from exc


@functools.lru_cache(maxsize=64)
def load_artifact(name: str) -> ContractArtifact:
    """Load ``resources/contracts/build/<name>.json``.

    Raises ``ArtifactError`` if the name is unknown or the file is malformed.
    """
    if not name or Path(name).name != name or name.startswith("."):
        raise ArtifactError(f"invalid artifact name: {name!r}")
    path = ARTIFACTS_DIR / f"{name}.json"
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"no artifact named {name!r} in {ARTIFACTS_DIR}") from exc
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: cannot read artifact: {exc}") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"{path}: artifact must be a JSON object")
    if data.get("contractName") != name:
        raise ArtifactError(f"{path}: contractName is {data.get('contractName')!r}, expected {name!r}")
    abi = data.get("abi")
    if not isinstance(abi, list) or not all(isinstance(entry, dict) for entry in abi):
        raise ArtifactError(f"{path}: 'abi' must be a list of objects")
    return ContractArtifact(
        name=name,
        abi=abi,
        bytecode=_hex_field(data, "bytecode", path),
        deployed_bytecode=_hex_field(data, "deployedBytecode", path),
    )
