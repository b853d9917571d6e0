"""The committed contract artifacts are exactly what a fresh build produces.

Rebuilds every contract with ``node resources/contracts/build.mjs <tmpdir>`` (solcjs pinned in
package.json / package-lock.json) and compares byte for byte with ``resources/contracts/build/``.
If this fails after editing a contract, run ``node resources/contracts/build.mjs`` and commit
the updated artifacts.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from wallet_app.chain.artifacts import ARTIFACTS_DIR, available_artifacts, load_artifact

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "resources" / "contracts" / "build.mjs"
SOLC_PACKAGE = REPO_ROOT / "node_modules" / "solc" / "package.json"
OZ_PACKAGE = REPO_ROOT / "node_modules" / "@openzeppelin" / "contracts" / "package.json"
SETUP_HINT = "run `make test` (it runs `npm ci` to install the pinned solc and OpenZeppelin packages)"

EXPECTED_CONTRACTS = {
    "FundShareClasses",
    "FundUnits",
    "GreenBond",
    "HKDStablecoin",
    "IdentityRegistry",
    "MoneyMarketFund",
    "NavFeed",
    "PropertyDeed",
    "SafeTxProbe",
    "SimpleCompliance",
}


def _fresh_build(out_dir: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not installed; it is needed to rebuild the contracts: {SETUP_HINT}")
    for package in (SOLC_PACKAGE, OZ_PACKAGE):
        if not package.is_file():
            pytest.fail(f"{package.relative_to(REPO_ROOT)} is missing: {SETUP_HINT}")
    result = subprocess.run(
        [node, str(BUILD_SCRIPT), str(out_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"build.mjs failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def test_committed_artifacts_match_fresh_build(tmp_path: Path) -> None:
    _fresh_build(tmp_path)
    fresh = {path.name: path.read_bytes() for path in tmp_path.glob("*.json")}
    committed = {path.name: path.read_bytes() for path in ARTIFACTS_DIR.glob("*.json")}

    assert sorted(fresh) == sorted(committed), (
        "the set of contracts differs from the committed artifacts; "
        "run `node resources/contracts/build.mjs` and commit resources/contracts/build/"
    )
    stale = sorted(name for name in fresh if fresh[name] != committed[name])
    assert not stale, (
        f"committed artifacts differ from a fresh build: {stale}; "
        "run `node resources/contracts/build.mjs` and commit resources/contracts/build/"
    )


def test_every_demo_contract_has_a_loadable_artifact() -> None:
    assert set(available_artifacts()) == EXPECTED_CONTRACTS
    for name in EXPECTED_CONTRACTS:
        artifact = load_artifact(name)
        assert artifact.name == name
        assert artifact.bytecode and artifact.deployed_bytecode
        assert any(entry.get("type") == "function" for entry in artifact.abi)
