"""Offline signing end to end (issue 14): one owner of the demo's 2-of-3 client vault keeps his key only on an
offline signer profile in a data directory of its own. The online desktop pairs his account, sends a sign request by
file, the offline signer reviews it from its own anchored vaults and imported policy and signs, and the answer
completes the approval, which then executes on the devnet; on SQLite and on PostgreSQL. Then the refusals of
SECURITY K1-K3 and K6, and the offline profile's guarantee that it opens no network socket."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from tests.support.demo_template import copy_demo
from tests.support.queue_worker import move_profile_to_postgres
from wallet_app.cli.program import main
from wallet_app.domain.safe_tx import compute_hashes
from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.transport import read_request_lines, read_text_file
from wallet_app.safe.tx_typed_data import safe_tx_from_typed_data
from wallet_app.ur.eth_requests import EthSignature, EthSignRequest
from wallet_app.ur.ur import UR, decode_ur, encode_ur

PASSWORD = "custos-demo"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Setup:
    online: Path  # the online desktop's data directory (the demo profile)
    offline: Path  # the offline machine's data directory (profile "signer")
    work: Path
    ben: str
    alice: str

    def online_cli(self, *args: str) -> tuple[int, str, str]:
        return run(self.online, "demo", *args)

    def offline_cli(self, *args: str) -> tuple[int, str, str]:
        return run(self.offline, "signer", *args)

    def pending(self) -> str:
        code, out, _err = self.online_cli("safe", "queue", "--json")
        assert code == 0
        return next(e["safe_tx_hash"] for e in json.loads(out) if e["state"] == "approving")


def run(home: Path, profile: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--home", str(home), "--profile", profile, *args])
    return code, out.getvalue(), err.getvalue()


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


def set_up(work: Path, database_url: str | None = None) -> Setup:
    online = copy_demo(work / "online")
    if database_url is not None:
        move_profile_to_postgres(online, database_url)
    keys = {k["label"]: k["address"] for k in json.loads(ok(run(online, "demo", "keys", "list", "--json")))}
    ben, alice = keys["Ben Wong (officer)"], keys["Alice Chan (officer)"]
    keystore = json.loads((online / "profiles" / "demo" / "keystores" / f"{ben}.json").read_text())
    (work / "ben.key").write_text(Account.decrypt(keystore, PASSWORD).hex())
    (work / "pw").write_text(PASSWORD + "\n")
    setup = Setup(online, work / "offline", work, ben, alice)
    ok(setup.online_cli("keys", "delete", ben))  # Ben's key lives only on his offline signer from now on
    ok(setup.offline_cli("profile", "create", "signer", "--offline", "--network", "devnet"))
    ok(setup.offline_cli("keys", "import", "--private-key-file", str(work / "ben.key"), "--password-file",
                         str(work / "pw"), "--label", "Ben (offline)"))
    ok(setup.offline_cli("offline", "account", "--key", ben, "--password-file", str(work / "pw"), "--device",
                         "Ben's signer", "--out", str(work / "account.txt")))
    ok(setup.online_cli("offline", "pair", str(work / "account.txt"), "--label", "Ben Wong (offline)"))
    for number, vault in enumerate(json.loads(ok(setup.online_cli("vaults", "list", "--json")))):
        setup_file = work / f"vault-{number}.ur"
        shown = ok(setup.online_cli("offline", "vault", "show", vault["address"], "--out", str(setup_file)))
        fields = [line.split(None, 1) for line in shown.splitlines() if line and not line.startswith(("Type", "Wrote"))]
        fingerprint = next(value for name, value in fields if name == "Fingerprint")
        if number == 0:  # the first from the set-up UR, the others typed
            ok(setup.offline_cli("offline", "vault", "add", "--from", str(setup_file), "--fingerprint", fingerprint))
            continue
        owners = [["--owner", value] for name, value in fields if name == "Owner"]
        threshold = next(value for name, value in fields if name == "Threshold").split()[0]
        version = next(value for name, value in fields if name == "Safe")
        ok(setup.offline_cli("offline", "vault", "add", vault["address"], "--version", version,
                             *[a for pair in owners for a in pair], "--threshold", threshold,
                             "--label", vault["label"], "--fingerprint", fingerprint))
    code, _out, err = setup.offline_cli("offline", "vault", "add", "--from", str(work / "vault-0.ur"),
                                        "--fingerprint", "0000 0000 0000 0000 0000")
    assert code == 1 and ("anchored already" in err or "does not match" in err)
    ok(setup.online_cli("policy", "export", "--out", str(work / "policy.json")))
    ok(setup.offline_cli("policy", "import", str(work / "policy.json")))
    return setup


def request_and_sign(setup: Setup, safe_tx_hash: str, name: str) -> Path:
    request, answer = setup.work / f"{name}.request", setup.work / f"{name}.answer"
    ok(setup.online_cli("offline", "request", safe_tx_hash, "--key", setup.ben, "--out", str(request)))
    ok(setup.offline_cli("offline", "sign", str(request), "--key", setup.ben, "--password-file",
                         str(setup.work / "pw"), "--out", str(answer), "--confirm", safe_tx_hash))
    return answer


def whole_approval(setup: Setup) -> None:
    pending = setup.pending()
    answer = request_and_sign(setup, pending, "first")
    out = ok(setup.online_cli("offline", "import", str(answer)))
    assert "ready: 2 of 2 signatures" in out
    entry = next(e for e in json.loads(ok(setup.online_cli("safe", "queue", "--json")))
                 if e["safe_tx_hash"] == pending)
    assert set(entry["signers"]) == {setup.alice, setup.ben}
    audit = ok(setup.online_cli("audit", "list", "--action", "approve"))
    assert "offline" in audit and "transport: file" in audit
    ok(setup.online_cli("safe", "execute", pending, "--key", setup.alice, "--password-file",
                        str(setup.work / "pw")))
    final = next(e for e in json.loads(ok(setup.online_cli("safe", "queue", "--json")))
                 if e["safe_tx_hash"] == pending)
    assert final["state"] in ("executed", "final"), final["state"]
    assert "intact" in ok(setup.online_cli("audit", "verify"))
    assert "intact" in ok(setup.offline_cli("audit", "verify"))


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    return set_up(tmp_path_factory.mktemp("offline"))


def test_a_two_of_three_approval_with_one_owner_offline_on_sqlite(tmp_path: Path) -> None:
    whole_approval(set_up(tmp_path))


def test_a_two_of_three_approval_with_one_owner_offline_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    whole_approval(set_up(tmp_path, postgres_url))


def rewritten(request: Path, target: Path, *, check_hash: bytes | None = None, value: str | None = None) -> Path:
    read = read_request_lines(read_text_file(request, "request"))
    assert read.check is not None
    sign_request, check = read.sign_request, read.check
    if value is not None:
        typed = json.loads(sign_request.sign_data)
        typed["message"]["value"] = value
        sign_request = EthSignRequest(sign_request.request_id, json.dumps(typed).encode(), sign_request.data_type,
                                      sign_request.chain_id, sign_request.derivation_path, sign_request.address,
                                      sign_request.origin)
    if check_hash is not None:
        check = OnlineCheck(**{**check.__dict__, "safe_tx_hash": check_hash})
    urs = [UR("eth-sign-request", sign_request.to_cbor()), UR("custos-check", check.to_cbor())]
    target.write_text("\n".join(encode_ur(u) for u in urs) + "\n")
    return target


def test_K1_K6_the_offline_signer_recomputes_and_shows_the_same_hashes(setup: Setup) -> None:
    pending = setup.pending()
    request = setup.work / "k1.request"
    online = ok(setup.online_cli("offline", "request", pending, "--key", setup.ben, "--out", str(request)))
    code, offline, err = setup.offline_cli("offline", "sign", str(request), "--key", setup.ben, "--password-file",
                                           str(setup.work / "pw"), "--out", str(setup.work / "k6.answer"),
                                           "--confirm", "0x" + "0" * 64)
    assert code == 1 and "is not the safeTxHash this signer computed" in err
    hash_lines = [line for line in online.splitlines() if line.split(" ")[0] in ("domain", "message", "safeTxHash")
                  or line.startswith(" " * 14)]
    assert len(hash_lines) == 6 and all(line in offline.splitlines() for line in hash_lines)  # K6: same strings
    for name, tampered in (("hash", rewritten(request, setup.work / "k1a", check_hash=b"\x11" * 32)),
                           ("value", rewritten(request, setup.work / "k1b", value="1"))):
        code, out, err = setup.offline_cli("offline", "sign", str(tampered), "--key", setup.ben, "--password-file",
                                           str(setup.work / "pw"), "--out", str(setup.work / f"k1-{name}.answer"),
                                           "--confirm", pending)
        assert code == 1, name
        assert "REFUSED" in out and "the fields or the hash were altered" in out, name
        assert not (setup.work / f"k1-{name}.answer").exists()
    assert "offline_refused" in ok(setup.offline_cli("audit", "list", "--action", "offline_refused"))


def test_a_second_transaction_at_a_nonce_already_signed_offline_is_refused(setup: Setup) -> None:
    pending = setup.pending()
    request_and_sign(setup, pending, "nonce-first")
    first = read_request_lines(read_text_file(setup.work / "nonce-first.request", "request"))
    other = rewritten(setup.work / "nonce-first.request", setup.work / "nonce-other", value="1")
    read = read_request_lines(read_text_file(other, "request"))
    assert read.sign_request.request_id == first.sign_request.request_id
    typed = json.loads(read.sign_request.sign_data)
    tx = safe_tx_from_typed_data(typed, safe=typed["domain"]["verifyingContract"], chain_id=typed["domain"]["chainId"],
                                 version="1.4.1")
    new_hash = compute_hashes(tx).safe_tx_hash
    rewritten(setup.work / "nonce-other", setup.work / "nonce-other2", check_hash=new_hash)
    code, out, _err = setup.offline_cli("offline", "sign", str(setup.work / "nonce-other2"), "--key", setup.ben,
                                        "--password-file", str(setup.work / "pw"), "--out",
                                        str(setup.work / "nonce.answer"), "--confirm", "0x" + new_hash.hex())
    assert code == 1
    assert "already signed" in out and "at nonce" in out


def test_K2_K3_an_answer_for_another_request_or_a_second_copy_is_refused(setup: Setup) -> None:
    pending = setup.pending()
    answer = request_and_sign(setup, pending, "k2")
    signature = read_text_file(answer, "answer")[0]
    ur_answer = EthSignature.from_cbor(decode_ur(signature).cbor)
    second = setup.work / "k2-second.request"
    ok(setup.online_cli("offline", "request", pending, "--key", setup.ben, "--out", str(second)))
    other_id = read_request_lines(read_text_file(second, "request")).sign_request.request_id
    forged = EthSignature(other_id, bytes(64) + b"\x1b", ur_answer.origin)
    (setup.work / "k2-forged").write_text(encode_ur(UR("eth-signature", forged.to_cbor())) + "\n")
    code, _out, err = setup.online_cli("offline", "import", str(setup.work / "k2-forged"))
    assert code == 1 and "is not" in err and "signature of" in err
    unknown = EthSignature(uuid.uuid4(), ur_answer.signature, None)
    (setup.work / "k2-unknown").write_text(encode_ur(UR("eth-signature", unknown.to_cbor())) + "\n")
    code, _out, err = setup.online_cli("offline", "import", str(setup.work / "k2-unknown"))
    assert code == 1 and "did not make" in err
    ok(setup.online_cli("offline", "import", str(answer)))
    code, _out, err = setup.online_cli("offline", "import", str(answer))
    assert code == 1 and "imported already" in err
    refused = ok(setup.online_cli("audit", "list", "--action", "offline_refused"))
    assert refused.count("offline_refused") >= 3


NO_NETWORK = """
import json, socket, sys
events = []
def hook(event, args):
    if event == "socket.__new__" and args[1] in (socket.AF_INET, socket.AF_INET6):
        events.append(event)
    elif event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        events.append(f"{event} {args[1:2]}")
sys.addaudithook(hook)
from wallet_app.cli.program import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "events": events,
                  "web3": sorted(m for m in sys.modules if m.startswith(("web3", "wallet_app.chain.web3")))}))
"""


def test_the_offline_profile_opens_no_network_socket_while_it_signs(tmp_path: Path) -> None:
    setup = set_up(tmp_path)
    pending = setup.pending()
    request = setup.work / "net.request"
    ok(setup.online_cli("offline", "request", pending, "--key", setup.ben, "--out", str(request)))
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, "--home", str(setup.offline), "--profile", "signer", "offline", "sign",
         str(request), "--key", setup.ben, "--password-file", str(setup.work / "pw"), "--out",
         str(setup.work / "net.answer"), "--confirm", pending],
        capture_output=True, text=True, cwd=REPO, timeout=120)
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, result.stderr
    assert report["events"] == [] and report["web3"] == []
    assert (setup.work / "net.answer").exists()
    code, _out, err = setup.offline_cli("safe", "queue")
    assert code == 1 and "offline signer profile" in err


def test_a_holding_statement_signed_offline_shows_every_field_and_completes_with_the_quorum(setup: Setup) -> None:
    keys = {k["label"]: k["address"] for k in json.loads(ok(setup.online_cli("keys", "list", "--json")))}
    vault = next(v["address"] for v in json.loads(ok(setup.online_cli("vaults", "list", "--json")))
                 if v["label"] == "Harbour client vault")
    ok(setup.online_cli("statement", "--account", vault, "--sign-by", vault, "--key", keys["Dana Ho (operations)"],
                        "--password-file", str(setup.work / "pw"), "--out", str(setup.work / "statement.json")))
    message = json.loads(ok(setup.online_cli("safe", "messages", "--json")))[0]["message_hash"]
    request, answer = setup.work / "message.request", setup.work / "message.answer"
    ok(setup.online_cli("offline", "request", message, "--key", setup.ben, "--out", str(request)))
    shown = ok(setup.offline_cli("offline", "sign", str(request), "--key", setup.ben, "--password-file",
                                 str(setup.work / "pw"), "--out", str(answer), "--confirm", message))
    assert "holding-statement" in shown and "holdings: 7 item(s)" in shown and "validUntil" in shown
    assert "1 of 2" in ok(setup.online_cli("offline", "import", str(answer)))
    ok(setup.online_cli("safe", "approve", message, "--key", setup.alice, "--password-file", str(setup.work / "pw")))
    ok(setup.online_cli("statement", "--signed", message, "--out", str(setup.work / "signed.json")))
    assert "valid" in ok(setup.online_cli("proof", "verify", str(setup.work / "signed.json"))).lower()
    read = read_request_lines(read_text_file(request, "request"))
    assert read.check is not None
    forged = setup.work / "message-forged.request"
    statement = json.loads(json.dumps(read.check.statement))
    statement["message"]["holdings"][0]["balance"] = "1"  # a statement other than the one the message signs
    check = dataclasses.replace(read.check, statement=statement)
    forged.write_text("\n".join(encode_ur(u) for u in (UR("eth-sign-request", read.sign_request.to_cbor()),
                                                       UR("custos-check", check.to_cbor()))) + "\n")
    code, out, _err = setup.offline_cli("offline", "sign", str(forged), "--key", setup.ben, "--password-file",
                                        str(setup.work / "pw"), "--out", str(setup.work / "forged.answer"),
                                        "--confirm", message)
    assert code == 1 and "the statement or the message was altered" in out


def test_an_answer_made_by_keystone_s_registry_is_accepted(tmp_path: Path) -> None:
    """An ERC-4527 signer answers with an eth-signature UR that Keystone's registry encodes (here: the signature made
    with the owner's key, wrapped by the reference libraries run by Node): Custos takes it back like its own."""
    from tests.support.node_ur import run_node_ur

    setup = set_up(tmp_path)
    pending = setup.pending()
    request = setup.work / "keystone.request"
    ok(setup.online_cli("offline", "request", pending, "--key", setup.ben, "--out", str(request)))
    read = read_request_lines(read_text_file(request, "request"))
    key = bytes.fromhex((setup.work / "ben.key").read_text().strip().removeprefix("0x"))
    signature = bytes(Account.unsafe_sign_hash(bytes.fromhex(pending[2:]), key).signature)
    reply = run_node_ur({"op": "eth_signature_encode", "request_id": str(read.sign_request.request_id),
                         "signature_hex": signature.hex(), "origin": "Keystone"})
    assert "error" not in reply, reply
    (setup.work / "keystone.answer").write_text(str(reply["ur"]) + "\n")
    assert "ready: 2 of 2 signatures" in ok(setup.online_cli("offline", "import", str(setup.work / "keystone.answer")))
