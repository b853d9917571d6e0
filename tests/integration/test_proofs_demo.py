"""`custos proof create | verify | check-rpc` and `custos statement --out FILE.json` on the demo institution.

The devnet is served on loopback in this process, so that the commands (run in-process through `main`) reach it as
any node, and so that `--rpc-url` has endpoints to ask: the devnet itself, a relay of it (a second source that
agrees), and a lying relay that answers block N with block N-1. Every bundle is checked against the published JSON
schema and, independently of Custos, with the `trie` package. Tampering is refused (L1), anchoring is provisional
with fewer than two agreeing endpoints (L2), the statement's list must equal its proofs (L5).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import jsonschema
import pytest

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture reused)
from tests.integration.test_proofs_anvil import trie_package_values
from tests.support.solidity import compile_contracts, deploy
from wallet_app.chain.devnet import Devnet, serve_devnet
from wallet_app.cli.program import main
from wallet_app.proofs.anchor import output_root_v0

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "resources" / "schemas" / "proof-bundle-v1.schema.json").read_text())
VAULT_LABEL = "Harbour client vault"
INVESTOR_LABEL = "Victoria Harbour Endowment (investor)"  # part of its HGB29 is frozen


def run(home: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--home", str(home), "--profile", "demo", *argv])
    return code, out.getvalue(), err.getvalue()


def rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    with urlopen(Request(url, body, {"Content-Type": "application/json"}), timeout=10) as reply:
        return json.loads(reply.read())


class Relay:
    """A second JSON-RPC endpoint in front of the devnet; `lie` makes it answer a block by number with the one
    before it (a node on another fork)."""

    def __init__(self, target: str, *, lie: bool) -> None:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                params = request.get("params", [])
                if relay.lie and request.get("method") == "eth_getBlockByNumber" and params[0].startswith("0x"):
                    params = [hex(int(params[0], 16) - 1), *params[1:]]
                reply = json.dumps(rpc(target, request["method"], *params) | {"id": request.get("id")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.lie = lie
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def node(demo_home: Path) -> Iterator[dict[str, str]]:
    with Devnet.open(demo_home / "profiles" / "demo" / "devnet") as devnet:
        server = serve_devnet(devnet, 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        honest, liar = Relay(server.url, lie=False), Relay(server.url, lie=True)
        try:
            yield {"url": server.url, "relay": honest.url, "liar": liar.url}
        finally:
            for relay in (honest, liar):
                relay.server.shutdown()
            server.shutdown()
            thread.join(timeout=5)


@pytest.fixture(scope="module")
def bundles(demo_home: Path, node: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("proofs")
    report = json.loads(run(demo_home, "holdings", "--json")[1])
    labels = {a["label"]: a["address"] for a in report["accounts"]}
    vault, investor = labels[VAULT_LABEL], labels[INVESTOR_LABEL]
    assets = {(h["symbol"], h["account"]): h for h in report["holdings"]}
    made: dict[str, Any] = {"folder": folder, "holdings": assets, "vault": vault, "investor": investor}
    requests = {
        "native": ["--account", vault, "--op-stack"],
        "erc20": ["--account", vault, "--asset", assets[("HKDH", vault)]["asset"]],
        "erc3643": ["--account", investor, "--asset", assets[("HGB29", investor)]["asset"]],
        "erc721": ["--account", vault, "--asset", assets[("HDEED", vault)]["asset"], "--token-id", "1"],
        "erc1155": ["--account", vault, "--asset", assets[("HFSC", vault)]["asset"], "--token-id", "1"],
    }
    for name, argv in requests.items():
        out = folder / f"{name}.json"
        code, stdout, stderr = run(demo_home, "proof", "create", *argv, "--out", str(out))
        assert code == 0, stderr
        made[name] = json.loads(out.read_text())
        made[f"{name}.out"] = stdout
    statement = folder / "statement.json"
    code, stdout, stderr = run(demo_home, "statement", "--account", investor, "--out", str(statement))
    assert code == 0, stderr
    made["statement"] = json.loads(statement.read_text())
    return made


def verify(home: Path, bundle: dict[str, Any], tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    code, stdout, _ = run(home, "proof", "verify", str(path), "--json", *extra)
    return code, json.loads(stdout)


KINDS = ("native", "erc20", "erc3643", "erc721", "erc1155", "statement")


@pytest.mark.parametrize("name", KINDS)
def test_every_bundle_follows_the_schema_and_checks_with_the_trie_package(bundles: dict[str, Any], name: str) -> None:
    bundle = bundles[name]
    jsonschema.validate(bundle, SCHEMA)
    independent = trie_package_values(bundle)
    for claim in bundle["claims"]:
        amount = int(claim.get("balance", claim.get("frozen", "0")))
        if claim["kind"] == "native-balance":
            assert independent[(claim["account"], None)] == amount
        else:
            expected = int(claim["account"], 16) if claim["kind"] == "nft-owner" else amount
            assert independent[(claim["asset"], int(claim["slot"]["slot"], 16))] == expected


def test_claims_equal_the_holdings_table(bundles: dict[str, Any]) -> None:
    holdings, vault, investor = bundles["holdings"], bundles["vault"], bundles["investor"]
    assert bundles["erc20"]["claims"][0]["balance"] == str(holdings[("HKDH", vault)]["balance"])
    kinds = {c["kind"]: c for c in bundles["erc3643"]["claims"]}
    assert kinds["token-balance"]["balance"] == str(holdings[("HGB29", investor)]["balance"])
    assert kinds["frozen-amount"]["frozen"] == str(holdings[("HGB29", investor)]["frozen"])
    assert kinds["frozen-amount"]["slot"]["layout"].startswith("probed: mapping at slot")
    assert bundles["erc721"]["claims"][0]["kind"] == "nft-owner"
    assert "owns token 1" in bundles["erc721.out"]


@pytest.mark.parametrize("name", KINDS)
def test_offline_verification_is_valid_but_provisional(demo_home: Path, bundles: dict[str, Any], name: str,
                                                       tmp_path: Path) -> None:
    code, verdict = verify(demo_home, bundles[name], tmp_path)
    assert code == 0, verdict
    assert verdict["valid"] and verdict["provisional"]
    assert all(check["ok"] for check in verdict["checks"])


def test_L2_one_endpoint_is_provisional_two_agreeing_are_not_a_liar_is_invalid(
        demo_home: Path, bundles: dict[str, Any], node: dict[str, str], tmp_path: Path) -> None:
    code, verdict = verify(demo_home, bundles["erc20"], tmp_path, "--rpc-url", node["url"])
    assert (code, verdict["valid"], verdict["provisional"]) == (0, True, True)
    code, verdict = verify(demo_home, bundles["erc20"], tmp_path, "--rpc-url", node["url"], "--rpc-url", node["relay"])
    assert (code, verdict["valid"], verdict["provisional"]) == (0, True, False)
    code, verdict = verify(demo_home, bundles["erc20"], tmp_path, "--rpc-url", node["url"], "--rpc-url", node["liar"])
    assert (code, verdict["valid"]) == (1, False)
    failed = [c for c in verdict["checks"] if not c["ok"]]
    assert len(failed) == 1 and "not the bundle's" in failed[0]["detail"]


def test_a_header_file_anchors_offline_and_another_block_is_refused(
        demo_home: Path, bundles: dict[str, Any], node: dict[str, str], tmp_path: Path) -> None:
    number = bundles["erc20"]["block"]["number"]
    same, before = tmp_path / "same.json", tmp_path / "before.json"
    same.write_text(json.dumps(rpc(node["url"], "eth_getBlockByNumber", hex(number), False)))  # a whole response
    before.write_text(json.dumps(rpc(node["url"], "eth_getBlockByNumber", hex(number - 1), False)["result"]))
    code, verdict = verify(demo_home, bundles["erc20"], tmp_path, "--header-file", str(same))
    assert (code, verdict["valid"], verdict["provisional"]) == (0, True, False)
    code, verdict = verify(demo_home, bundles["erc20"], tmp_path, "--header-file", str(before))
    assert (code, verdict["valid"]) == (1, False)


def test_an_output_root_anchors_an_op_stack_block(demo_home: Path, bundles: dict[str, Any], tmp_path: Path) -> None:
    bundle = bundles["native"]
    passer = next(p for p in bundle["proofs"] if p["address"].lower() == "0x4200000000000000000000000000000000000016")
    root = output_root_v0(bytes.fromhex(bundle["block"]["state_root"][2:]), bytes.fromhex(passer["storageHash"][2:]),
                          bytes.fromhex(bundle["block"]["hash"][2:]))
    code, verdict = verify(demo_home, bundle, tmp_path, "--output-root", "0x" + root.hex())
    assert (code, verdict["valid"], verdict["provisional"]) == (0, True, False)
    wrong = "0x" + bytes(a ^ 1 for a in root[:1]).hex() + root[1:].hex()
    assert verify(demo_home, bundle, tmp_path, "--output-root", wrong)[0] == 1
    code, verdict = verify(demo_home, bundles["erc20"], tmp_path, "--output-root", "0x" + root.hex())
    assert code == 1 and "L2ToL1MessagePasser" in json.dumps(verdict)  # that bundle has no message passer proof


def _flip(hex_text: str, at: int) -> str:
    digits = list(hex_text)
    digits[at] = "1" if digits[at] != "1" else "2"
    return "".join(digits)


def tamperings(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def variant(name: str) -> dict[str, Any]:
        out[name] = copy.deepcopy(bundle)
        return out[name]

    node = variant("a trie node changed")["proofs"][0]["storageProof"][0]["proof"]
    node[-1] = _flip(node[-1], len(node[-1]) // 2)
    variant("an account proof node changed")["proofs"][0]["accountProof"][1] = \
        _flip(bundle["proofs"][0]["accountProof"][1], 40)
    variant("a bigger balance claimed")["claims"][0]["balance"] = str(int(bundle["claims"][0]["balance"]) + 1)
    variant("the node's value changed")["proofs"][0]["storageProof"][0]["value"] = "0x1"
    wrong_account = variant("the proof of another address")
    wrong_account["proofs"][0]["address"] = "0x" + "11" * 20
    other = variant("the claim moved to another holder")["claims"][0]
    other["account"] = "0x" + "22" * 20
    header = variant("the header changed")["block"]
    header["header_rlp"] = _flip(header["header_rlp"], 200)
    variant("the block hash changed")["block"]["hash"] = _flip(bundle["block"]["hash"], 10)
    variant("the storageHash changed")["proofs"][0]["storageHash"] = _flip(bundle["proofs"][0]["storageHash"], 5)
    variant("an unknown signature")["signatures"] = [{"kind": "made-up"}]
    return out


def test_L1_every_tampering_is_invalid(demo_home: Path, bundles: dict[str, Any], tmp_path: Path) -> None:
    for name, tampered in tamperings(bundles["erc20"]).items():
        code, verdict = verify(demo_home, tampered, tmp_path)
        assert code == 1 and not verdict["valid"], name
        assert any(not check["ok"] for check in verdict["checks"]), name


def test_L5_a_statement_that_shows_more_than_it_proves_is_invalid(demo_home: Path, bundles: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    statement = copy.deepcopy(bundles["statement"])
    assert {h["symbol"] for h in statement["statement"]["holdings"]} >= {"HMMF", "HGB29"}
    listed = next(h for h in statement["statement"]["holdings"] if h["symbol"] == "HMMF")
    listed["balance"] = str(int(listed["balance"]) * 10)
    code, verdict = verify(demo_home, statement, tmp_path)
    assert code == 1
    assert "statement shows what is not proven" in json.dumps(verdict)


def test_L1_exclusion_proof_for_a_non_zero_slot_is_invalid(demo_home: Path, bundles: dict[str, Any],
                                                          node: dict[str, str], tmp_path: Path) -> None:
    """The node's valid proof that an unused slot is empty, put where the balance slot's proof goes, with a claim
    of zero: zero is proven only by an exclusion proof along the slot's own path."""
    bundle = copy.deepcopy(bundles["erc20"])
    token, number = bundle["claims"][0]["asset"], hex(bundle["block"]["number"])
    unused = rpc(node["url"], "eth_getProof", token, ["0x" + "ab" * 32], number)["result"]["storageProof"][0]
    assert unused["value"] == "0x0"
    bundle["proofs"][0]["storageProof"][0]["proof"] = unused["proof"]
    bundle["proofs"][0]["storageProof"][0]["value"] = "0x0"
    bundle["claims"][0]["balance"] = "0"
    code, verdict = verify(demo_home, bundle, tmp_path)
    assert code == 1 and not verdict["valid"]


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not valid JSON"),
    (b'{"format": "custos.proof-bundle", "version": 99}', "version 99"),
    (b'{"format": "something else"}', "not a Custos proof bundle"),
    (b"\xff\xfe", "not UTF-8"),
    (b'{"format": "custos.proof-bundle", "version": 1, "chain_id": 1, "block": {"number": 1, "hash": "0x12", '
     b'"header_rlp": "0x"}, "proofs": [], "claims": [{}]}', "block.hash"),
])
def test_unusable_input_exits_2_with_a_message(demo_home: Path, tmp_path: Path, content: bytes,
                                              message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    code, stdout, stderr = run(demo_home, "proof", "verify", str(path))
    assert code == 2 and message in stderr and "Traceback" not in stderr + stdout


def test_truncated_and_huge_files_exit_2(demo_home: Path, bundles: dict[str, Any], tmp_path: Path) -> None:
    text = json.dumps(bundles["erc20"])
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    assert run(demo_home, "proof", "verify", str(path))[0] == 2
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    code, _, stderr = run(demo_home, "proof", "verify", str(huge))
    assert code == 2 and "at most" in stderr


def test_check_rpc_on_raw_replies(demo_home: Path, bundles: dict[str, Any], node: dict[str, str],
                                  tmp_path: Path) -> None:
    number = hex(bundles["erc20"]["block"]["number"])
    block, proof = tmp_path / "block.json", tmp_path / "proof.json"
    block.write_text(json.dumps(rpc(node["url"], "eth_getBlockByNumber", number, False)))
    vault = bundles["vault"]
    proof.write_text(json.dumps(rpc(node["url"], "eth_getProof", vault, ["0x" + "00" * 31 + "01"], number)["result"]))
    code, stdout, _ = run(demo_home, "proof", "check-rpc", "--block-file", str(block), "--proof-file", str(proof),
                          "--json")
    verdict = json.loads(stdout)
    assert code == 0 and verdict["valid"] and verdict["claims"][0]["address"] == vault
    tampered = json.loads(block.read_text())
    tampered["result"]["gasUsed"] = hex(int(tampered["result"]["gasUsed"], 16) + 1)
    block.write_text(json.dumps(tampered))
    code, stdout, _ = run(demo_home, "proof", "check-rpc", "--block-file", str(block), "--proof-file", str(proof))
    assert code == 1 and "INVALID" in stdout
    block.write_text('{"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "no"}}')
    assert run(demo_home, "proof", "check-rpc", "--block-file", str(block), "--proof-file", str(proof))[0] == 2


def test_what_cannot_be_proven_says_so(demo_home: Path, bundles: dict[str, Any], tmp_path: Path) -> None:
    deed = bundles["holdings"][("HDEED", bundles["vault"])]["asset"]
    code, _, stderr = run(demo_home, "proof", "create", "--account", bundles["investor"], "--asset", deed,
                          "--token-id", "1", "--out", str(tmp_path / "x.json"))
    assert code == 1 and "does not own token 1" in stderr
    code, _, stderr = run(demo_home, "proof", "create", "--account", "0x123", "--out", str(tmp_path / "y.json"))
    assert code == 1 and "not an address" in stderr
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "y.json").exists()


def test_L5_reserves_published_verified_and_refused_when_not_covered(demo_home: Path, bundles: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    vault = bundles["vault"]
    token = bundles["holdings"][("HKDH", vault)]["asset"]
    balance = int(bundles["holdings"][("HKDH", vault)]["balance"])
    rows = [f"investor-{i},{balance // 400}" for i in range(200)] + ['"Chan, Tai Man",7']
    csv_file = tmp_path / "entitlements.csv"
    csv_file.write_text("investor_id,amount\n" + "\n".join(rows) + "\n")
    out = tmp_path / "reserves"
    code, stdout, stderr = run(demo_home, "reserves", "publish", "--asset", token, "--vault", vault,
                               "--entitlements", str(csv_file), "--out", str(out))
    assert code == 0, stderr
    files = sorted((out / "inclusions").iterdir())
    assert len(files) == 201 and "201 investors" in stdout
    root = out / "root.json"
    for inclusion in files[::40]:
        code, stdout, _ = run(demo_home, "reserves", "verify", "--root", str(root), "--inclusion", str(inclusion),
                              "--json")
        verdict = json.loads(stdout)
        assert code == 0 and verdict["valid"], verdict
        assert any(c["name"] == "coverage" and c["ok"] for c in verdict["checks"])
    one = json.loads(files[0].read_text())
    assert one["salt"] not in root.read_text()
    one["amount"] = str(int(one["amount"]) + 1)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(one))
    assert run(demo_home, "reserves", "verify", "--root", str(root), "--inclusion", str(tampered))[0] == 1
    assert run(demo_home, "reserves", "verify", "--root", str(files[0]), "--inclusion", str(files[0]))[0] == 2

    csv_file.write_text(f"investor_id,amount\nwhale,{balance + 1}\n")
    code, _, stderr = run(demo_home, "reserves", "publish", "--asset", token, "--vault", vault,
                          "--entitlements", str(csv_file), "--out", str(tmp_path / "refused"))
    assert code == 1 and "exceed the vault's proven balance" in stderr
    assert not (tmp_path / "refused").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def deploy_output_oracle(anvil: str, period: int) -> Any:
    """The test L2OutputOracle (tests/contracts/OutputOracleFixture.sol) on anvil, standing in for L1."""
    return deploy(anvil, compile_contracts("OutputOracleFixture.sol")["OutputOracleFixture"], period)


def test_an_output_oracle_on_l1_anchors_the_block_once_its_challenge_period_is_over(
        demo_home: Path, bundles: dict[str, Any], anvil_url: str, tmp_path: Path) -> None:
    bundle = bundles["native"]  # made with --op-stack: it proves the message passer
    number = bundle["block"]["number"]
    passer = next(p for p in bundle["proofs"] if p["address"].lower() == "0x4200000000000000000000000000000000000016")
    root = output_root_v0(bytes.fromhex(bundle["block"]["state_root"][2:]), bytes.fromhex(passer["storageHash"][2:]),
                          bytes.fromhex(bundle["block"]["hash"][2:]))
    final, young = deploy_output_oracle(anvil_url, 0), deploy_output_oracle(anvil_url, 7 * 24 * 3600)
    for oracle in (final, young):
        oracle.functions.propose(root, number).transact({"from": oracle.sender})
    code, verdict = verify(demo_home, bundle, tmp_path, "--l1-rpc-url", anvil_url, "--output-oracle", final.address)
    assert (code, verdict["valid"], verdict["provisional"]) == (0, True, False), verdict
    code, verdict = verify(demo_home, bundle, tmp_path, "--l1-rpc-url", anvil_url, "--output-oracle", young.address)
    assert (code, verdict["valid"], verdict["provisional"]) == (0, True, True)
    assert "challenge period" in json.dumps(verdict)

    wrong = deploy_output_oracle(anvil_url, 0)
    wrong.functions.propose(bytes(32), number).transact({"from": wrong.sender})
    code, verdict = verify(demo_home, bundle, tmp_path, "--l1-rpc-url", anvil_url, "--output-oracle", wrong.address)
    assert (code, verdict["valid"]) == (1, False)
    later = deploy_output_oracle(anvil_url, 0)
    later.functions.propose(root, number + 5).transact({"from": later.sender})
    path = tmp_path / "native.json"
    path.write_text(json.dumps(bundle))
    code, _, stderr = run(demo_home, "proof", "verify", str(path), "--l1-rpc-url", anvil_url, "--output-oracle",
                          later.address)
    assert code == 2 and f"--block {number + 5}" in stderr
    empty = deploy_output_oracle(anvil_url, 0)
    code, _, stderr = run(demo_home, "proof", "verify", str(path), "--l1-rpc-url", anvil_url, "--output-oracle",
                          empty.address)
    assert code == 2 and "no output" in stderr
