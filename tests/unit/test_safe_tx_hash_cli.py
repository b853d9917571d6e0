"""A8: golden SafeTx hashes, and `custos safe tx-hash`.

Every vector of `tests/vectors/safe_tx_hashes.json` (published examples, provenance in `tests/vectors/README.md`) is
recomputed by our pure code and through the CLI, in process and once as a real process with an empty home that cannot
open a socket (it needs no profile and no chain). For each Safe version from 1.0.0 to 1.5.0, random transactions are
cross-checked against safe-eth-py, and against the Safe contracts themselves (the singleton bytecode safe-eth-py ships
for 0.0.2, 1.0.0, 1.1.1, 1.3.0, 1.4.1 and 1.5.0, run on py-evm). Bad input exits 1 with one line on stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hexbytes import HexBytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safe_eth.safe.safe_tx import SafeTx as ReferenceSafeTx

from wallet_app.cli import build_parser, main
from wallet_app.cli.safe import KNOWN_SAFE_VERSIONS
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.safe_tx import (
    PRE_1_0_SAFE_TX_TYPEHASH,
    SAFE_TX_TYPEHASH,
    ZERO_ADDRESS,
    Operation,
    SafeTx,
    compute_hashes,
    safe_tx_typehash,
    uses_legacy_domain,
)

REPO = Path(__file__).resolve().parents[2]
VECTORS = json.loads((REPO / "tests" / "vectors" / "safe_tx_hashes.json").read_text(encoding="utf-8"))["vectors"]
HASHES = ("domain_hash", "message_hash", "safe_tx_hash")
BYBIT = next(v for v in VECTORS if v["id"] == "bybit-2025-02-21")
MAX_UINT256 = 2**256 - 1


def _cases(cli_only: bool) -> list[Any]:
    return [pytest.param(v, version, id=f"{v['id']}@{version}") for v in VECTORS
            for version in v["versions"] if v["cli"] or not cli_only]


def _safe_tx(vector: dict[str, Any], version: str) -> SafeTx:
    tx = vector["tx"]
    return SafeTx(
        safe=vector["safe"], chain_id=vector["chain_id"], version=version, to=tx["to"], value=int(tx["value"]),
        data=bytes.fromhex(tx["data"][2:]), operation=Operation(tx["operation"]), nonce=int(tx["nonce"]),
        safe_tx_gas=int(tx["safe_tx_gas"]), base_gas=int(tx["base_gas"]), gas_price=int(tx["gas_price"]),
        gas_token=tx["gas_token"], refund_receiver=tx["refund_receiver"],
    )


def _argv(vector: dict[str, Any], version: str) -> list[str]:
    tx = vector["tx"]
    argv = ["safe", "tx-hash", "--chain-id", str(vector["chain_id"]), "--safe", vector["safe"], "--version", version,
            "--nonce", tx["nonce"], "--to", tx["to"], "--value", tx["value"], "--data", tx["data"],
            "--operation", str(tx["operation"]), "--safe-tx-gas", tx["safe_tx_gas"], "--base-gas", tx["base_gas"],
            "--gas-price", tx["gas_price"]]
    if tx["gas_token"] != ZERO_ADDRESS:
        argv += ["--gas-token", tx["gas_token"]]
    if tx["refund_receiver"] != ZERO_ADDRESS:
        argv += ["--refund-receiver", tx["refund_receiver"]]
    return argv


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def _expected(vector: dict[str, Any]) -> dict[str, str]:
    return {name: vector["expected"][name].lower() for name in HASHES}


def _reference(tx: SafeTx) -> dict[str, str]:
    """The three hashes by safe-eth-py, an independent implementation (its EIP-712 preimage split)."""
    reference = ReferenceSafeTx(
        None, tx.safe, tx.to, tx.value, HexBytes(tx.data), int(tx.operation), tx.safe_tx_gas, tx.base_gas,
        tx.gas_price, tx.gas_token, tx.refund_receiver, safe_nonce=tx.nonce, safe_version=tx.version,
        chain_id=tx.chain_id,
    )
    preimage = bytes(reference.safe_tx_hash_preimage)
    assert preimage[:2] == b"\x19\x01" and len(preimage) == 66
    return {"domain_hash": "0x" + preimage[2:34].hex(), "message_hash": "0x" + preimage[34:].hex(),
            "safe_tx_hash": "0x" + bytes(reference.safe_tx_hash).hex()}


def _ours(tx: SafeTx) -> dict[str, str]:
    hashes = compute_hashes(tx)
    return {"domain_hash": "0x" + hashes.domain_hash.hex(), "message_hash": "0x" + hashes.message_hash.hex(),
            "safe_tx_hash": "0x" + hashes.safe_tx_hash.hex()}


# -- the golden vectors -----------------------------------------------------------------------------------------------

def test_the_vectors_cover_every_kind_of_domain_and_name_their_sources() -> None:
    published_versions = {version for v in VECTORS for version in v["versions"]
                          if v["status"]["safe_tx_hash"] == "published"}
    assert {"0.1.0", "1.0.0", "1.1.1", "1.3.0", "1.3.0+L2", "1.4.1"} <= published_versions
    assert sum(v["status"][name] == "published" for v in VECTORS for name in HASHES) >= 19
    for vector in VECTORS:
        assert set(vector["status"].values()) <= {"published", "cross-check (safe-eth-py)"}
        assert vector["source"] and "://" not in json.dumps(vector)  # provenance by project and file, no addresses


@pytest.mark.parametrize(("vector", "version"), _cases(cli_only=False))
def test_A8_vector_reproduced_by_our_pure_code(vector: dict[str, Any], version: str) -> None:
    assert _ours(_safe_tx(vector, version)) == _expected(vector)


@pytest.mark.parametrize(("vector", "version"), _cases(cli_only=False))
def test_A8_vector_cross_check_values_are_safe_eth_py_s(vector: dict[str, Any], version: str) -> None:
    reference = _reference(_safe_tx(vector, version))
    assert reference == _expected(vector)  # the published values too: three implementations agree


@pytest.mark.parametrize(("vector", "version"), _cases(cli_only=True))
def test_A8_vector_through_the_cli_json(vector: dict[str, Any], version: str) -> None:
    code, out, err = _run([*_argv(vector, version), "--json"])
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert {name: shown[name] for name in HASHES} == _expected(vector)
    assert shown["safe_tx"]["nonce"] == vector["tx"]["nonce"] and shown["safe_tx"]["version"] == version
    assert shown["domain_has_chain_id"] == (not uses_legacy_domain(version))
    assert bool(shown["warnings"]) == uses_legacy_domain(version)


@pytest.mark.parametrize(("vector", "version"), _cases(cli_only=True))
def test_A8_vector_through_the_cli_text(vector: dict[str, Any], version: str) -> None:
    code, out, err = _run(_argv(vector, version))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    for name, value in _expected(vector).items():
        at = next(i for i, line in enumerate(lines) if line.startswith(name))
        assert lines[at].split() == [name, value]
        groups = lines[at + 1].split()  # SC-6: the same digits in groups of four, to read out
        assert groups[0] == "0x" and all(len(g) == 4 for g in groups[1:]) and "0x" + "".join(groups[1:]) == value
    legacy = uses_legacy_domain(version)
    warnings = [line for line in lines if line.startswith("WARNING:")]
    assert len(warnings) == (1 if legacy else 0)
    if legacy:  # SC-10
        assert "no chain id" in warnings[0] and "every chain" in warnings[0] and "1.3.0 or later" in warnings[0]


def test_A8_a_real_process_with_no_home_no_profile_and_no_network(tmp_path: Path) -> None:
    home, custos_home, guard = tmp_path / "home", tmp_path / "no-custos-home", tmp_path / "guard"
    home.mkdir()
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*args, **kwargs):\n"
        "    raise OSError('custos-test: this process may not use the network')\n"
        "socket.socket.connect = socket.socket.connect_ex = _refuse\n"
        "socket.create_connection = socket.getaddrinfo = _refuse\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CUSTOS_", "XDG_", "PYTHON")) and key not in ("HOME",)}
    env.update(HOME=str(home), CUSTOS_HOME=str(custos_home), PYTHONPATH=str(guard), PYTHONDONTWRITEBYTECODE="1",
               XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"))
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                           env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "may not use the network" in probe.stderr  # the guard is in force

    done = subprocess.run([sys.executable, "-m", "wallet_app.cli", *_argv(BYBIT, "1.1.1"), "--json"],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert {name: json.loads(done.stdout)[name] for name in HASHES} == _expected(BYBIT)
    assert list(home.iterdir()) == [] and not custos_home.exists()  # no profile, no data directory was made


def test_A8_no_profile_is_opened_even_with_home_given(tmp_path: Path) -> None:
    code, out, err = _run(["--home", str(tmp_path / "absent"), "--profile", "nobody", *_argv(BYBIT, "1.1.1")])
    assert (code, err) == (0, "") and BYBIT["expected"]["safe_tx_hash"] in out
    assert not (tmp_path / "absent").exists()


# -- every version, random transactions -------------------------------------------------------------------------------

ADDRESSES = st.binary(min_size=20, max_size=20).map(from_bytes)
UINTS = st.one_of(st.integers(0, 2**64), st.integers(0, MAX_UINT256))
TRANSACTIONS = st.builds(
    lambda safe, chain_id, to, value, data, operation, nonce, gas, token, receiver: (
        safe, chain_id, to, value, data, Operation(operation), nonce, gas, token, receiver),
    ADDRESSES, st.integers(1, 2**64), ADDRESSES, UINTS, st.binary(max_size=300), st.integers(0, 1), UINTS,
    st.tuples(UINTS, UINTS, UINTS), st.one_of(st.just(ZERO_ADDRESS), ADDRESSES),
    st.one_of(st.just(ZERO_ADDRESS), ADDRESSES),
)


@pytest.mark.parametrize("version", KNOWN_SAFE_VERSIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=TRANSACTIONS)
def test_A8_every_version_matches_safe_eth_py_in_pure_code_and_cli(version: str, fields: tuple[Any, ...]) -> None:
    safe, chain_id, to, value, data, operation, nonce, (safe_tx_gas, base_gas, gas_price), token, receiver = fields
    tx = SafeTx(safe, chain_id, version, to, value, data, operation, nonce, safe_tx_gas, base_gas, gas_price, token,
                receiver)
    ours = _ours(tx)
    assert ours == _reference(tx)
    code, out, err = _run(["safe", "tx-hash", "--chain-id", str(chain_id), "--safe", safe, "--version", version,
                           "--to", to, "--value", str(value), "--data", "0x" + data.hex(), "--operation",
                           str(int(operation)), "--safe-tx-gas", str(safe_tx_gas), "--base-gas", str(base_gas),
                           "--gas-price", str(gas_price), "--gas-token", token, "--refund-receiver", receiver,
                           "--nonce", str(nonce), "--json"])
    assert (code, err) == (0, "")
    assert {name: json.loads(out)[name] for name in HASHES} == ours


@pytest.mark.parametrize("version", KNOWN_SAFE_VERSIONS)
def test_A8_domains_and_type_hashes_by_version(version: str) -> None:
    """1.0.0 to 1.2.0: the legacy domain (no chain id); 1.3.0 on: the chain id; all of 1.0.0 on: `baseGas`."""
    tx = _safe_tx(BYBIT, version)
    other_chain = SafeTx(**{**{f: getattr(tx, f) for f in tx.__dataclass_fields__}, "chain_id": 177})
    legacy = version in ("1.0.0", "1.1.0", "1.1.1", "1.2.0")
    assert uses_legacy_domain(version) == legacy
    assert (compute_hashes(tx).domain_hash == compute_hashes(other_chain).domain_hash) == legacy
    assert safe_tx_typehash(version) == SAFE_TX_TYPEHASH
    assert compute_hashes(_safe_tx(BYBIT, version + "+L2")) == compute_hashes(tx)


def test_only_safes_before_1_0_0_sign_with_the_data_gas_type_hash() -> None:
    assert safe_tx_typehash("0.1.0") == PRE_1_0_SAFE_TX_TYPEHASH != SAFE_TX_TYPEHASH
    assert SAFE_TX_TYPEHASH.hex() == "bb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8"
    assert PRE_1_0_SAFE_TX_TYPEHASH.hex() == "14d461bc7412367e924637b363c7bf29b8f47e2f84869f4426e5633d8af47b20"


# -- the Safe contracts themselves ------------------------------------------------------------------------------------

SINGLETONS = [("0.0.2", "GnosisSafe_V0_0_1.json", "Proxy_V1_0_0.json"),
              ("1.0.0", "GnosisSafe_V1_0_0.json", "Proxy_V1_0_0.json"),
              ("1.1.1", "GnosisSafe_V1_1_1.json", "Proxy_V1_1_1.json"),
              ("1.3.0", "GnosisSafe_V1_3_0.json", "Proxy_V1_3_0.json"),
              ("1.4.1", "Safe_V1_4_1.json", "Proxy_V1_4_1.json"),
              ("1.5.0", "Safe_V1_5_0.json", "Proxy_V1_5_0.json")]


@cache
def _evm() -> Any:
    from web3 import EthereumTesterProvider, Web3

    return Web3(EthereumTesterProvider())


def _deploy(file: str, *args: Any) -> tuple[str, Any]:
    from safe_eth.eth.contracts import load_contract_interface

    w3 = _evm()
    interface = load_contract_interface(file)
    factory = w3.eth.contract(abi=interface["abi"], bytecode=interface["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": w3.eth.accounts[0]}))
    return receipt.contractAddress, interface["abi"]


@pytest.mark.parametrize(("version", "singleton", "proxy"), SINGLETONS)
def test_A8_the_safe_contract_computes_our_hashes(version: str, singleton: str, proxy: str) -> None:
    w3 = _evm()
    owner = w3.eth.accounts[0]
    master, abi = _deploy(singleton)
    address, _ = _deploy(proxy, master)
    safe = w3.eth.contract(address=address, abi=abi)
    assert safe.functions.VERSION().call() == version
    payment = [] if version == "0.0.2" else [ZERO_ADDRESS, 0, ZERO_ADDRESS]
    handler = [ZERO_ADDRESS] if version >= "1.1.1" else []
    w3.eth.wait_for_transaction_receipt(
        safe.functions.setup([owner], 1, ZERO_ADDRESS, b"", *handler, *payment).transact({"from": owner}))
    chain_id = w3.eth.chain_id
    for to, value, data, operation, gas, token, receiver, nonce in (
        (BYBIT["tx"]["to"], 0, bytes.fromhex(BYBIT["tx"]["data"][2:]), 1, (45746, 0, 0), ZERO_ADDRESS, ZERO_ADDRESS,
         71),
        (owner, MAX_UINT256, b"\x00\xff" * 33, 0, (1, 2**200, 7), "0x" + "22" * 20, "0x" + "33" * 20, 2**255),
    ):
        tx = SafeTx(address, chain_id, version, to, value, data, Operation(operation), nonce, *gas, token, receiver)
        on_chain = safe.functions.getTransactionHash(to, value, data, operation, *gas, token, receiver, nonce).call()
        assert bytes(on_chain) == compute_hashes(tx).safe_tx_hash
    assert bytes(safe.functions.domainSeparator().call()) == compute_hashes(tx).domain_hash


# -- bad input --------------------------------------------------------------------------------------------------------

def _with(argv: list[str], flag: str, value: str | None) -> list[str]:
    """`argv` with `flag` set to `value` (None: without `flag`)."""
    out = list(argv)
    if flag in out:
        at = out.index(flag)
        del out[at:at + 2]
    return out if value is None else [*out, flag, value]


BAD_INPUT = [
    ("--safe", "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcF4", "checksum"),  # one letter's case wrong (B3)
    ("--to", "0x96221423681A6d52E184D440a8eFCEbB105C7243", "checksum"),
    ("--to", "0x96221423681\u04106d52E184D440a8eFCEbB105C7242", "ascii"),  # a Cyrillic capital A (B4)
    ("--gas-token", "0x1234", "address"),
    ("--data", "0xzz", "hex"),
    ("--data", "0xabc", "hex"),
    ("--data", "a9059cbb", "hex"),
    ("--value", "-1", "negative"),
    ("--nonce", "-71", "negative"),
    ("--safe-tx-gas", "-5", "negative"),
    ("--value", str(2**256), "2**256"),
    ("--value", "1e18", "whole number"),
    ("--operation", "2", "--operation"),
    ("--chain-id", "0", "--chain-id"),
    ("--chain-id", "-1", "negative"),
    ("--version", "1.6.0", "1.0.0, 1.1.0, 1.1.1, 1.2.0, 1.3.0, 1.4.0, 1.4.1, 1.5.0"),
    ("--version", "0.1.0", "known versions"),
    ("--version", "1.3", "known versions"),
    ("--version", "1.3.0+L3", "known versions"),
    ("--version", "v1.4.1", "known versions"),
    ("--nonce", None, "--nonce"),
    ("--safe", None, "--safe"),
    ("--chain-id", None, "--chain-id"),
    ("--version", None, "--version"),
]


@pytest.mark.parametrize(("flag", "value", "said"), BAD_INPUT)
def test_bad_input_exits_1_with_one_line_on_stderr(flag: str, value: str | None, said: str) -> None:
    code, out, err = _run(_with(_argv(BYBIT, "1.1.1"), flag, value))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("custos: error: ") and err.endswith("\n")
    assert said.lower() in err.lower()


def test_the_unknown_version_message_lists_the_known_ones() -> None:
    _code, _out, err = _run(_with(_argv(BYBIT, "1.1.1"), "--version", "9.9.9"))
    assert all(version in err for version in KNOWN_SAFE_VERSIONS)


def test_policy_check_and_safe_tx_hash_take_the_same_transaction_options() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices  # type: ignore[union-attr]

    def options(command: str, action: str) -> dict[str, Any]:
        sub = next(a for a in commands[command]._actions if a.dest == "action").choices[action]
        return {o: a for a in sub._actions for o in a.option_strings}

    check, tx_hash = options("policy", "check"), options("safe", "tx-hash")
    shared = ["--to", "--value", "--data", "--operation", "--safe-tx-gas", "--base-gas", "--gas-price", "--gas-token",
              "--refund-receiver", "--nonce"]
    for flag in shared:
        assert (check[flag].default, check[flag].metavar) == (tx_hash[flag].default, tx_hash[flag].metavar)
    assert check["--nonce"].required is False and tx_hash["--nonce"].required is True
    assert "offline" in tx_hash["--nonce"].help
