"""`custos cold sign` on a real offline signer profile in a data directory of its own (issue 15, 3): a cold vault made
with `cold create`, a policy naming it installed through governance, and a request file as the online desktop writes
it (the eth-sign-request of the unsigned EIP-1559 transaction and its custos-account-check). Two officers' share files
sign it; the answer recovers to the vault in the assembled transaction. Refusals exit 1 and write nothing."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey

from tests.unit.test_cold_signing import (
    ALICE,
    BEN,
    CARMEN,
    CHAIN_ID,
    DANA,
    GOVERNANCE,
    KEYS,
    STRANGER,
    policy_text,
    transfer,
)
from wallet_app.cli.program import main
from wallet_app.cold import share_file
from wallet_app.cold.approval import AccountApproval
from wallet_app.cold.share_file import LOWEST_N, decrypt_share
from wallet_app.domain.account_tx import AccountTx
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.service import DEFAULT_PATH
from wallet_app.keys.signature import finalize_signature
from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.transport import read_signature_lines, read_text_file
from wallet_app.policy.carried_facts import CarriedFacts
from wallet_app.policy.facts import SimulationOutcome
from wallet_app.policy.service_setup import install_signed_policy
from wallet_app.profiles import open_profile
from wallet_app.ur.eth_types import EthSignRequest
from wallet_app.ur.keypath import parse_path
from wallet_app.ur.ur import UR, encode_ur
from wallet_app.vaults.anchors import AnchorStore, vault_facts

HOLDERS = ("Alice Chan", "Ben Wong", "Carol Ho")


@dataclass
class Signer:
    home: Path
    work: Path
    vault: str = ""
    digest: str = ""
    outputs: list[str] = field(default_factory=list)

    def cli(self, *args: str, profile: str = "signer") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--home", str(self.home), "--profile", profile, *args])
        self.outputs += [out.getvalue(), err.getvalue()]
        return code, out.getvalue(), err.getvalue()

    def ok(self, *args: str) -> str:
        code, out, err = self.cli(*args)
        assert code == 0, err
        return out

    def passphrase(self, holder: str) -> str:
        path = self.work / f"{holder}.pass"
        path.write_text(f"{holder} passphrase\n")
        return str(path)

    def share(self, number: int) -> str:
        return str(next((self.work / "shares").glob(f"{number}-of-*.custos-share")))

    def shares(self, *numbers: int) -> list[str]:
        options = [a for n in numbers for a in ("--share", self.share(n))]
        return options + [a for n in numbers for a in ("--passphrase-file", self.passphrase(HOLDERS[n - 1]))]

    def approval(self, who: str, tx: AccountTx) -> tuple[str, bytes]:
        digest = AccountApproval(CHAIN_ID, self.vault, tx.signing_hash(), tx.nonce, bytes.fromhex(self.digest[2:]))
        raw = PrivateKey(KEYS[who]).sign_msg_hash(digest.digest())
        return who, finalize_signature(digest.digest(), raw.r, raw.s, who).to_bytes()

    def request(self, name: str, tx: AccountTx, approvals: Sequence[str] = (ALICE, BEN), **changes: object) -> str:
        """A request file as the online desktop writes it: the two URs, one a line, upper case."""
        request_id = uuid.uuid4()
        sign_request = EthSignRequest(request_id=request_id, sign_data=tx.unsigned_bytes(), data_type=4,
                                      chain_id=CHAIN_ID, derivation_path=parse_path(DEFAULT_PATH),
                                      address=bytes.fromhex(self.vault[2:]), origin="Custos")
        check = OnlineCheck(
            request_id=request_id, safe_tx_hash=tx.signing_hash(), chain_id=CHAIN_ID, safe=self.vault,
            nonce=tx.nonce, block_number=120, block_hash=b"\x07" * 32, checked_at=datetime.now(UTC),
            decision="allow", rules=(("cold-to-client", "match"),), policy_digest=self.digest, policy_version=1,
            proposer=DANA, approvers=tuple(approvals), simulation="simulated at block 120: it succeeds",
            facts=CarriedFacts(simulation=SimulationOutcome(reverted=False), vault_nonce=tx.nonce), account=True,
            approvals=tuple(self.approval(a, tx) for a in approvals))
        check = replace(check, **changes)  # type: ignore[arg-type]
        path = self.work / name
        urs = [UR("eth-sign-request", sign_request.to_cbor()), UR("custos-check", check.to_cbor())]
        path.write_text("\n".join(encode_ur(u).upper() for u in urs) + "\n")
        return str(path)


@pytest.fixture
def signer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Signer:
    """An offline signer with a cold vault (2 of 3 share files, at scrypt n=2^14) and a policy naming it."""
    monkeypatch.setattr(share_file, "SCRYPT_N", LOWEST_N)
    made = Signer(tmp_path / "offline", tmp_path)
    made.ok("profile", "create", "signer", "--offline", "--network", "devnet")
    (tmp_path / "shares").mkdir()
    split = [a for h in HOLDERS for a in ("--holder", h, "--passphrase-file", made.passphrase(h))]
    out = made.ok("cold", "create", "--label", "Cold Vault", "--threshold", "2", "--shares", "3", "--share-dir",
                  str(tmp_path / "shares"), *split)
    made.vault = next(line.split()[2] for line in out.splitlines() if line.startswith("Cold vault"))
    profile = open_profile(made.home, "signer")
    try:
        assert profile.config.chain_id == CHAIN_ID
        anchors = AnchorStore(engine=profile.engine, chain_id=CHAIN_ID)
        anchors.anchor(vault_facts(CHAIN_ID, GOVERNANCE, "1.4.1", (ALICE, BEN, CARMEN), 2, "Governance"),
                       how="typed")
        made.digest = install_signed_policy(profile, policy_text(made.vault),
                                            [KeystoreSigner(address=a, private_key=KEYS[a]) for a in (ALICE, BEN)],
                                            load_owners=anchors.owner_reader()).digest
    finally:
        profile.close()
    return made


def test_two_officers_sign_a_cold_transfer_and_the_answer_recovers_to_the_vault(signer: Signer) -> None:
    tx = transfer()
    signing_hash = "0x" + tx.signing_hash().hex()
    request = signer.request("good.request", tx)
    answer = signer.work / "good.answer"
    out = signer.ok("cold", "sign", request, *signer.shares(1, 3), "--out", str(answer), "--confirm",
                    signing_hash.upper().replace("0X", "0x"))
    for shown in (f"Cold vault    Cold Vault {signer.vault}", "Transfer (decoded here):", "Value         2 HSK",
                  "Fee cap       0.0021 HSK", "2 verified here of the 2 of 3 approvers",
                  f"signing hash  {signing_hash}", "Decision      allow", "[checked online at block 120]",
                  "Signed by the cold vault", f"The answer is in {answer}"):
        assert shown in out, shown
    signature = read_signature_lines(read_text_file(answer, "answer"))
    assert signature.v in (0, 1)
    signed = tx.signed_bytes(signature.v, signature.r, signature.s)
    assert Account.recover_transaction(signed) == signer.vault
    assert f"Transaction hash 0x{keccak(signed).hex()} (once broadcast)" in out
    audit = signer.ok("audit", "list", "--action", "offline_sign")
    assert "cold" in audit and signing_hash in audit
    assert "intact" in signer.ok("audit", "verify")
    again = signer.cli("cold", "sign", request, *signer.shares(1, 2), "--out", str(answer), "--confirm", signing_hash)
    assert again[0] == 1 and "already exists" in again[2]
    secrets = [f"{h} passphrase" for h in HOLDERS] + [
        " ".join(decrypt_share(Path(signer.share(n)).read_bytes(), f"{HOLDERS[n - 1]} passphrase",
                               min_n=LOWEST_N)[1].split()[4:10]) for n in (1, 2, 3)]
    assert not [s for s in secrets for text in signer.outputs if s in text]


def test_refusals_exit_1_and_write_nothing(signer: Signer) -> None:
    tx = transfer()
    signing_hash = "0x" + tx.signing_hash().hex()
    answer = signer.work / "refused.answer"

    def refused(request: str, *more: str, shares: Sequence[int] = (1, 2)) -> tuple[str, str]:
        code, out, err = signer.cli("cold", "sign", request, *signer.shares(*shares), "--out", str(answer), *more)
        assert code == 1 and err.startswith("custos: "), (out, err)
        assert not answer.exists()
        return out, err

    out, err = refused(signer.request("short.request", tx, approvals=(ALICE,)), "--confirm", signing_hash)
    assert "REFUSED:" in out and "1 of the 2 approvals Cold Vault needs are carried" in out
    assert "Custos will not sign this request" in err
    out, _err = refused(signer.request("stranger.request", transfer(to=STRANGER)), "--confirm", signing_hash)
    assert "The policy on this machine denies it" in out
    out, _err = refused(signer.request("tampered.request", tx, safe_tx_hash=b"\x11" * 32), "--confirm",
                        signing_hash)
    assert "the transaction or the check was altered" in out
    good = signer.request("good.request", tx)
    _out, err = refused(good, "--confirm", "0x" + "00" * 32)
    assert "is not the signing hash this signer computed" in err
    _out, err = refused(good)  # no --confirm, and pytest's stdin is no terminal
    assert "Give --confirm HASH" in err
    _out, err = refused(good, "--confirm", signing_hash, shares=(1,))
    assert "1 share given; 2 of the 3 holders' shares are needed" in err
    code, _out, err = signer.cli("cold", "sign", good, "--share", signer.share(1), "--share", signer.share(2),
                                 "--passphrase-file", signer.passphrase("Alice Chan"), "--passphrase-file",
                                 signer.passphrase("Carol Ho"), "--out", str(answer), "--confirm", signing_hash)
    assert code == 1 and "The passphrase is wrong" in err and not answer.exists()
    listed = signer.ok("audit", "list", "--action", "offline_refused")
    assert listed.count("offline_refused") >= 3
    assert "offline_sign" not in signer.ok("audit", "list", "--action", "offline_sign")


def test_an_online_profile_signs_nothing(signer: Signer) -> None:
    signer.ok("profile", "create", "online", "--network", "sepolia", "--rpc-url", "http://127.0.0.1:9")
    request = signer.request("good.request", transfer())
    code, out, err = signer.cli("cold", "sign", request, *signer.shares(1, 2), "--out", str(signer.work / "a"),
                                "--confirm", "0x" + transfer().signing_hash().hex(), profile="online")
    assert code == 1 and out == "" and "Cold vaults live on an offline signer profile" in err
    assert json.loads(signer.ok("cold", "list", "--json"))[0]["address"] == signer.vault
