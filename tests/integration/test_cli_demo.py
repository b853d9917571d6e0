"""The `custos` command line on a real demo profile: what a user or a script types, end to end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import free_port, rpc
from tests.support.demo_template import copy_demo, demo_init_output
from wallet_app.domain.network import DEVNET_CHAIN_ID

CUSTOS = [sys.executable, "-m", "wallet_app.cli"]


def custos(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUSTOS_HOME": ""}
    result = subprocess.run([*CUSTOS, "--home", str(home), *args], capture_output=True, text=True, env=env,
                            timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"custos {' '.join(args)} failed: {result.stderr}")
    return result


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's own copy of the demo `custos demo init` made once for the test process."""
    home = copy_demo(tmp_path_factory.mktemp("home") / "home")
    assert "custos-demo" in demo_init_output() or os.environ.get("CUSTOS_TEST_DEMO_HOME")
    return home


@pytest.fixture
def demo_copy(demo_home: Path, tmp_path: Path) -> Path:
    """A private copy for tests that change the profile."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    return home


def test_help_and_version() -> None:
    help_text = subprocess.run([*CUSTOS, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("demo", "devnet", "vaults", "profile", "network"):
        assert command in help_text
    version = subprocess.run([*CUSTOS, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("custos 0.")


def test_vaults_list_json_shows_the_demo_vaults(demo_home: Path) -> None:
    vaults = json.loads(custos(demo_home, "--profile", "demo", "vaults", "list", "--json").stdout)
    by_label = {v["label"]: v for v in vaults}
    client, treasury = by_label["Harbour client vault"], by_label["Harbour treasury"]
    assert (client["threshold"], len(client["owners"])) == (2, 3)
    assert (treasury["threshold"], len(treasury["owners"])) == (3, 3)
    assert (client["nonce"], treasury["nonce"]) == (2, 1)  # one executed transfer each; the client vault's queue
    for vault in vaults:  # executed a rejection at nonce 1
        assert vault["version"] == "1.4.1"
        assert isinstance(vault["balance"], int) and vault["balance"] > 0
        assert vault["address"].startswith("0x") and len(vault["address"]) == 42
    assert client["balance"] == 260 * 10**18  # 250 funded + 10 from the treasury
    assert set(client["owners"]) == set(treasury["owners"])


def test_demo_init_is_idempotent(demo_copy: Path) -> None:
    before = json.loads(custos(demo_copy, "vaults", "list", "--json").stdout)
    result = custos(demo_copy, "demo", "init")
    assert "already exists" in result.stdout
    assert json.loads(custos(demo_copy, "vaults", "list", "--json").stdout) == before


def test_demo_keys_are_encrypted_keystores_only_in_the_demo_profile(demo_home: Path) -> None:
    keystores = list((demo_home / "profiles" / "demo" / "keystores").glob("*.json"))
    assert len(keystores) == 5  # issuer agent, three officers and Dana Ho (operations)
    for path in keystores:
        data = json.loads(path.read_text())
        assert data["crypto"]["kdf"] == "scrypt" and data["crypto"]["kdfparams"]["n"] >= 2**18
        assert (path.stat().st_mode & 0o777) == 0o600
    assert json.loads(custos(demo_home, "profile", "list", "--json").stdout) == ["demo", "demo-signer"]


def test_an_unknown_profile_is_a_one_line_error(demo_home: Path) -> None:
    result = custos(demo_home, "--profile", "nobody", "vaults", "list", check=False)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no profile 'nobody'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_profile_on_an_unreachable_node_fails_cleanly(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    custos(tmp_path, "profile", "create", "desk", "--network", "hashkey", "--rpc-url", url)
    result = custos(tmp_path, "--profile", "desk", "vaults", "list", check=False)
    assert result.returncode == 1 and "does not answer" in result.stderr and "Traceback" not in result.stderr
    status = custos(tmp_path, "--profile", "desk", "network", "status", "--json", check=False)
    assert status.returncode == 1 and json.loads(status.stdout)["state"] == "disconnected"


@pytest.fixture
def served(demo_copy: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    port = free_port()
    server = subprocess.Popen([*CUSTOS, "--home", str(demo_copy), "devnet", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            rpc(url, "eth_chainId", [])
            break
        except OSError as exc:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                stderr = server.stderr.read() if server.stderr else ""
                raise AssertionError(f"devnet serve did not start: {stderr}") from exc
            time.sleep(0.1)
    yield demo_copy, url, server
    server.send_signal(signal.SIGINT)
    server.wait(timeout=20)


def test_devnet_serve_shares_the_chain_with_other_processes(served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    home, url, _server = served
    assert int(str(rpc(url, "eth_chainId", [])), 16) == DEVNET_CHAIN_ID
    # A second Custos process of the same profile goes through the server instead of opening the state.
    vaults = json.loads(custos(home, "vaults", "list", "--json").stdout)
    assert len(vaults) == 2
    status = json.loads(custos(home, "network", "status", "--json").stdout)
    assert status["endpoint"] == url and status["state"] == "connected"


def test_a_busy_port_is_refused_with_a_message(served: tuple[Path, str, subprocess.Popen[str]], tmp_path: Path,
                                               demo_home: Path) -> None:
    _home, url, _server = served
    port = url.rsplit(":", 1)[1]
    other = tmp_path / "other"
    shutil.copytree(demo_home, other)
    result = custos(other, "devnet", "serve", "--port", port, check=False)
    assert result.returncode == 1 and f"port {port}" in result.stderr.lower() and "Traceback" not in result.stderr


def test_a_second_server_of_the_same_profile_is_refused(served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    home, _url, server = served
    result = custos(home, "devnet", "serve", "--port", str(free_port()), check=False)
    assert result.returncode == 1 and str(server.pid) in result.stderr and "Traceback" not in result.stderr


def test_the_chain_survives_a_restart_of_the_server(served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    home, url, server = served
    height = int(str(rpc(url, "eth_blockNumber", [])), 16)
    server.send_signal(signal.SIGINT)
    server.wait(timeout=20)
    vaults = json.loads(custos(home, "vaults", "list", "--json").stdout)  # opens the state in-process
    assert all(v["block_number"] == height for v in vaults)


def test_a_corrupt_devnet_is_reported_kept_and_set_aside_by_demo_init(demo_copy: Path) -> None:
    state = demo_copy / "profiles" / "demo" / "devnet" / "chain.sqlite3"
    assert state.exists()
    damaged = bytearray(state.read_bytes())
    damaged[100:4096] = b"\xff" * (4096 - 100)
    state.write_bytes(bytes(damaged))
    result = custos(demo_copy, "vaults", "list", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "left untouched" in result.stderr and "custos demo init" in result.stderr
    assert state.read_bytes() == bytes(damaged)

    init = custos(demo_copy, "demo", "init")
    assert "moved, untouched" in init.stdout and "Created the demo profile" in init.stdout
    kept = list((demo_copy / "profiles").glob(".demo-damaged-*"))
    assert len(kept) == 1 and (kept[0] / "devnet" / "chain.sqlite3").read_bytes() == bytes(damaged)
    assert len(json.loads(custos(demo_copy, "vaults", "list", "--json").stdout)) == 2


def test_a_devnet_held_by_another_process_is_refused_with_the_way_out(demo_copy: Path) -> None:
    from wallet_app.chain.devnet import Devnet

    with Devnet.open(demo_copy / "profiles" / "demo" / "devnet"):
        result = custos(demo_copy, "vaults", "list", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"in use by process {os.getpid()}" in result.stderr and "custos devnet serve" in result.stderr


def test_keys_list_shows_the_demo_officers_and_the_vaults_they_own(demo_home: Path) -> None:
    custos(demo_home, "vaults", "list")  # the vault snapshot is what keys list reads owners from
    keys = json.loads(custos(demo_home, "keys", "list", "--json").stdout)
    assert {k["kind"] for k in keys} == {"keystore"} and len(keys) == 5
    officers = [k for k in keys if "officer" in k["label"] or "offline signer" in k["label"]]
    assert len(officers) == 3
    assert all(set(k["vaults"]) == {"Harbour client vault", "Harbour treasury"} for k in officers)
    for key in keys:
        assert {"address", "kind", "label"} <= set(key)


def test_statements_as_csv_and_pdf_from_the_command_line(demo_home: Path, tmp_path: Path) -> None:
    vaults = json.loads(custos(demo_home, "vaults", "list", "--json").stdout)
    vault, block = vaults[0]["address"], vaults[0]["block_number"]
    csv_file, pdf_file = tmp_path / "vault.csv", tmp_path / "vault.pdf"
    custos(demo_home, "statement", "--account", vault, "--out", str(csv_file), "--block", str(block))
    lines = csv_file.read_text().splitlines()
    assert f"# block_number,{block}" in lines and f"# account,{vault}" in lines
    hkdh = next(line for line in lines if ",HKDH," in line)
    assert ",24950000,0,24950000,1 HKD,fixed 1:1 HKD stablecoin,24950000," in hkdh
    result = subprocess.run([sys.executable, "-m", "ui.cli_entry", "--home", str(demo_home), "statement",
                             "--account", vault, "--out", str(pdf_file)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert pdf_file.read_bytes().startswith(b"%PDF") and pdf_file.stat().st_size > 2000
    again = custos(demo_home, "statement", "--account", vault, "--out", str(csv_file), check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    no_pdf = custos(demo_home, "statement", "--account", vault, "--out", str(tmp_path / "x.pdf"), check=False)
    assert no_pdf.returncode == 1 and "use .csv" in no_pdf.stderr  # the core alone has no PDF writer
