"""The compliance desk on the demo's devnet (issue 16): counterparty records, proofs of address ownership both ways
(an EOA's signature of the challenge, a satoshi test paid on chain) with every refusal, and a transfer over the Travel
Rule threshold end to end (refused without its record, queued with it, approved, executed, exported) on SQLite; its
execution refused when the record is deleted or edited; and the main path again on PostgreSQL."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import delete, update

from tests.support.demo_template import copy_demo
from tests.support.queue_worker import copy_home, move_profile_to_postgres, shared_demo_home
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.cli.program import main
from wallet_app.compliance.ownership import OwnershipDesk, ProofRefused
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.profiles import open_profile
from wallet_app.services import Services, build_services
from wallet_app.storage.schema import counterparty_addresses, travel_rule_records

PASSWORD = "custos-demo"
LEI_OK = "5493001KJTIIGC8Y1R12"


@dataclass
class Desk:
    home: Path
    work: Path
    keys: dict[str, str]

    @contextlib.contextmanager
    def open(self) -> Iterator[Services]:
        """The profile's services, closed again before the next CLI command (the devnet has one user at a time)."""
        profile = open_profile(self.home, "demo")
        services = build_services(profile)
        try:
            yield services
        finally:
            services.close()
            profile.close()

    def cli(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--home", str(self.home), *args])
        return code, out.getvalue(), err.getvalue()

    def ok(self, *args: str) -> str:
        code, out, err = self.cli(*args)
        assert code == 0, err + out
        return out

    def refused(self, *args: str) -> str:
        code, out, err = self.cli(*args)
        assert code == 1, out
        assert "Traceback" not in err
        return err

    def key(self, who: str) -> list[str]:
        return ["--key", self.keys[who], "--password-file", str(self.work / "pw")]

    def private_key(self, who: str) -> bytes:
        path = self.home / "profiles" / "demo" / "keystores" / f"{self.keys[who]}.json"
        return decrypt_keystore(load_keystore_file(path), PASSWORD)

    def send(self, key: bytes, to: str, wei: int) -> str:
        with self.open() as services:
            receipt = sign_and_send(services.chain, key, services.profile.config.chain_id, OutgoingTx(to=to, value=wei))
        return "0x" + receipt.transaction_hash.hex()

    def fund(self, address: str, wei: int) -> None:
        self.send(self.private_key("Alice Chan (officer)"), address, wei)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("compliance")
    home = copy_demo(tmp / "home")
    work = tmp / "work"
    work.mkdir()
    (work / "pw").write_text(PASSWORD + "\n")
    d = Desk(home, work, {})
    d.keys = {k["label"]: k["address"] for k in json.loads(d.ok("keys", "list", "--json"))}
    yield d


def _new_party(desk: Desk, name: str) -> str:
    """A new unhosted legal person with a fresh address; returns the key's private key as hex."""
    desk.ok("counterparty", "add", "--name", name, "--person", "legal", "--id-type", "LEIX", "--id", LEI_OK,
            "--jurisdiction", "HK", "--unhosted", "--geo-address", "1 Test Street, Hong Kong")
    account = Account.create()
    desk.ok("counterparty", "add-address", name, account.address)
    return account.key.hex()


def _proof_of(desk: Desk, name: str) -> dict[str, object] | None:
    party = json.loads(desk.ok("counterparty", "show", name, "--json"))
    return party["addresses"][0]["proof"]


def test_counterparty_records_refuse_bad_input(desk: Desk) -> None:
    err = desk.refused("counterparty", "add", "--name", "Bad LEI Ltd", "--person", "legal", "--id-type", "LEIX",
                       "--id", "5493001KJTIIGC8Y1R13", "--jurisdiction", "HK", "--unhosted")
    assert "check digits" in err
    err = desk.refused("counterparty", "add", "--name", "Nobody", "--person", "natural", "--id-type", "CCPT",
                       "--id", "K1234567", "--jurisdiction", "HK", "--unhosted")
    assert "address, or a date and place of birth" in err
    err = desk.refused("counterparty", "add", "--name", "Lower Ltd", "--person", "legal", "--id-type", "RAID",
                       "--id", "1", "--jurisdiction", "hk", "--unhosted")
    assert "country code" in err
    err = desk.refused("counterparty", "add", "--name", "Kowloon Pension Trust", "--person", "legal", "--id-type",
                       "RAID", "--id", "1", "--jurisdiction", "HK", "--unhosted")
    assert "exists already" in err
    kowloon = json.loads(desk.ok("counterparty", "show", "Kowloon Pension Trust", "--json"))["addresses"][0]["address"]
    _new_party(desk, "Second Owner Ltd")
    err = desk.refused("counterparty", "add-address", "Second Owner Ltd", kowloon)
    assert "belongs to Kowloon Pension Trust already" in err
    assert "0xabc" in desk.refused("counterparty", "add-address", "Second Owner Ltd", "0xabc")


def test_ownership_proven_by_an_eoa_signature_and_every_refusal(desk: Desk) -> None:
    key = _new_party(desk, "Signing Wallet Ltd")
    address = Account.from_key(key).address
    challenge = json.loads(desk.ok("counterparty", "challenge", address, "--json"))
    assert "Institution: Harbour Custody Ltd" in challenge["text"] and address in challenge["text"]
    assert f"Nonce: {challenge['nonce']}" in challenge["text"]

    stranger = Account.sign_message(encode_defunct(text=challenge["text"]), private_key=Account.create().key)
    err = desk.refused("counterparty", "prove", address, "--nonce", challenge["nonce"], "--signature",
                       "0x" + bytes(stranger.signature).hex())
    assert "not by " + address in err
    assert _proof_of(desk, "Signing Wallet Ltd") is None
    other_text = challenge["text"].replace(challenge["nonce"], "0x" + "00" * 16)
    wrong_text = Account.sign_message(encode_defunct(text=other_text), private_key=key)
    assert "not by" in desk.refused("counterparty", "prove", address, "--nonce", challenge["nonce"], "--signature",
                                    "0x" + bytes(wrong_text.signature).hex())
    assert "hexadecimal" in desk.refused("counterparty", "prove", address, "--nonce", challenge["nonce"],
                                         "--signature", "0xzz")

    good = "0x" + bytes(Account.sign_message(encode_defunct(text=challenge["text"]), private_key=key).signature).hex()
    out = desk.ok("counterparty", "prove", address, "--nonce", challenge["nonce"], "--signature", good)
    assert "is proven: proven by a signature at block" in out
    proof = _proof_of(desk, "Signing Wallet Ltd")
    assert proof is not None and proof["kind"] == "signature" and proof["signature"] == good
    assert "replay" in desk.refused("counterparty", "prove", address, "--nonce", challenge["nonce"], "--signature",
                                    good)

    late = json.loads(desk.ok("counterparty", "challenge", address, "--json", "--hours", "1"))
    signed = Account.sign_message(encode_defunct(text=late["text"]), private_key=key).signature
    with desk.open() as services:
        compliance = services.compliance
        later = OwnershipDesk(book=compliance.counterparties, chain=services.chain, audit=services.audit,
                              institution="Harbour Custody Ltd", confirmations=1, vaults=lambda: set(),
                              clock=lambda: datetime.now(UTC) + timedelta(hours=2))
        with pytest.raises(ProofRefused, match="expired"):
            later.prove_by_signature(late["nonce"], "0x" + bytes(signed).hex(), actor="operator")
        actions = [e.action for e in services.audit.load_all()]
    assert "ownership_proven" in actions and "ownership_refused" in actions
    assert "No challenge" in desk.refused("counterparty", "prove", address, "--nonce", "0x" + "11" * 16,
                                       "--signature", good)


def test_ownership_proven_by_a_satoshi_test_and_every_refusal(desk: Desk) -> None:
    key = bytes.fromhex(_new_party(desk, "Satoshi Wallet Ltd").removeprefix("0x"))
    address = Account.from_key(key).address
    client = _client_vault(desk)
    desk.fund(address, 10**18)
    bond = next(t["address"] for t in json.loads(desk.ok("tokens", "list", "--json")) if t["symbol"] == "HGB29")
    assert "6 decimals or more" in desk.refused("counterparty", "satoshi", address, "--vault", client, "--asset", bond)
    assert "not one of this profile's vaults" in desk.refused("counterparty", "satoshi", address, "--vault", address)
    test = json.loads(desk.ok("counterparty", "satoshi", address, "--vault", client, "--json"))
    amount = int(test["amount"])
    assert 10**15 <= amount < 10**16 and test["vault"] == client
    wrong = desk.send(key, client, amount + 1)
    err = desk.refused("counterparty", "satoshi-check", address, "--nonce", test["nonce"], "--tx", wrong)
    assert f"exactly {amount}" in err
    other = Account.create()
    desk.fund(other.address, 10**17)
    foreign = desk.send(bytes(other.key), client, amount)
    err = desk.refused("counterparty", "satoshi-check", address, "--nonce", test["nonce"], "--tx", foreign)
    assert f"came from {other.address}" in err
    assert _proof_of(desk, "Satoshi Wallet Ltd") is None

    paid = desk.send(key, client, amount)
    out = desk.ok("counterparty", "satoshi-check", address, "--nonce", test["nonce"], "--tx", paid)
    assert "proven by a satoshi test" in out
    proof = _proof_of(desk, "Satoshi Wallet Ltd")
    assert proof is not None and proof["kind"] == "satoshi" and proof["amount"] == str(amount)
    assert "replay" in desk.refused("counterparty", "satoshi-check", address, "--nonce", test["nonce"], "--tx", paid)


def _client_vault(desk: Desk) -> str:
    return next(v["address"] for v in json.loads(desk.ok("vaults", "list", "--json"))
                if v["label"] == "Harbour client vault")


def _hkdh(desk: Desk) -> str:
    return next(t["address"] for t in json.loads(desk.ok("tokens", "list", "--json")) if t["symbol"] == "HKDH")


def test_a_transfer_over_the_threshold_end_to_end_with_its_travel_rule_record(desk: Desk) -> None:
    client = _client_vault(desk)
    victoria = json.loads(desk.ok("counterparty", "show", "Victoria Harbour Endowment", "--json"))["addresses"][0][
        "address"]
    with desk.open() as services:  # Victoria's address no longer in the counterparty records
        with services.profile.engine.begin() as conn:
            conn.execute(delete(counterparty_addresses).where(counterparty_addresses.c.address == victoria))
    waiting = next(i for i in json.loads(desk.ok("safe", "queue", "--json")) if i["state"] == "approving")
    propose = ["safe", "propose", "--safe", client, "--asset", _hkdh(desk), "--amount", "20000", "--to", victoria,
               "--nonce", str(waiting["nonce"]), *desk.key("Dana Ho (operations)"), "--json"]  # the vault's next
    err = desk.refused(*propose)
    assert "The Travel Rule applies: its value is HK$20,000.00, at or above the threshold of HK$8,000.00" in err
    assert "nothing was queued" in err
    desk.ok("counterparty", "add-address", "Victoria Harbour Endowment", victoria)
    record = desk.work / "victoria.json"
    desk.ok("travel-rule", "template", "--safe", client, "--to", victoria, "--originator", "Harbour Custody Ltd",
            "--out", str(record))
    payload = json.loads(record.read_text())
    broken = desk.work / "broken.json"
    payload_missing = json.loads(json.dumps(payload))
    del payload_missing["beneficiary"]["beneficiaryPersons"][0]["legalPerson"]["nationalIdentification"]
    broken.write_text(json.dumps(payload_missing))
    err = desk.refused(*propose, "--travel-rule", str(broken))
    assert "nationalIdentification is missing" in err
    wrong_account = json.loads(json.dumps(payload))
    wrong_account["beneficiary"]["accountNumber"] = [client]
    broken.write_text(json.dumps(wrong_account))
    assert f"must name {victoria}" in desk.refused(*propose, "--travel-rule", str(broken))
    broken.write_text("{not json")
    assert "not JSON" in desk.refused(*propose, "--travel-rule", str(broken))
    assert not [i for i in json.loads(desk.ok("safe", "queue", "--json")) if i["safe_tx"]["to"] == victoria]

    queued = json.loads(desk.ok(*propose, "--travel-rule", str(record)))
    key = queued["safe_tx_hash"]
    assert queued["queued"] and queued["travel_rule"]["required"] is True
    assert queued["travel_rule"]["ivms101"]["beneficiary"]["accountNumber"] == [victoria]
    shown = desk.ok("travel-rule", "show", key)
    assert "Beneficiary   Victoria Harbour Endowment (legal person, LEIX 549300VICTORIAEND016)" in shown
    with desk.open() as services:
        entries = [e for e in services.audit.load_all() if e.action == "travel_rule" and e.subject == key]
    assert entries and json.loads(entries[0].detail)["digest"] == queued["travel_rule"]["digest"]

    desk.ok("safe", "approve", key, *desk.key("Ben Wong (officer)"))  # Alice signed the other item at this nonce
    desk.ok("safe", "approve", key, *desk.key("Carmen Lee (offline signer)"))
    out = desk.work / "export.json"
    desk.ok("travel-rule", "export", key, "--out", str(out))
    exported = json.loads(out.read_text())
    assert exported["ivms101"] == queued["travel_rule"]["ivms101"]
    assert exported["transfer"]["safe_tx_hash"] == key and exported["digest"] == queued["travel_rule"]["digest"]
    assert "already exists" in desk.refused("travel-rule", "export", key, "--out", str(out))
    result = json.loads(desk.ok("safe", "execute", key, *desk.key("Alice Chan (officer)"), "--json"))
    assert result["state"] == "final"


def test_execution_is_refused_when_the_record_is_deleted_or_edited(desk: Desk) -> None:
    ready = next(i for i in json.loads(desk.ok("safe", "queue", "--json")) if i["state"] == "ready")
    key = ready["safe_tx_hash"]
    with desk.open() as services, services.profile.engine.begin() as conn:
        conn.execute(update(travel_rule_records).where(travel_rule_records.c.safe_tx_hash == key)
                     .values(record=travel_rule_records.c.record + " "))
    err = desk.refused("safe", "execute", key, *desk.key("Alice Chan (officer)"))
    assert "does not match its digest" in err and "nothing was sent" in err
    with desk.open() as services, services.profile.engine.begin() as conn:
        conn.execute(delete(travel_rule_records).where(travel_rule_records.c.safe_tx_hash == key))
    err = desk.refused("safe", "execute", key, *desk.key("Alice Chan (officer)"))
    assert "has no Travel Rule record: it may not be executed" in err
    assert next(i for i in json.loads(desk.ok("safe", "queue", "--json"))
                if i["safe_tx_hash"] == key)["state"] == "ready"


def test_every_transfer_of_a_licensed_issuer_s_stablecoin_carries_the_record(desk: Desk) -> None:
    hkdh, client = _hkdh(desk), _client_vault(desk)
    bond = next(t["address"] for t in json.loads(desk.ok("tokens", "list", "--json")) if t["symbol"] == "HGB29")
    assert "not a reviewed stablecoin" in desk.refused("tokens", "set-licensed", bond, "yes")
    assert "licensed issuer's stablecoin" in desk.ok("tokens", "set-licensed", hkdh, "yes")
    kowloon = json.loads(desk.ok("counterparty", "show", "Kowloon Pension Trust", "--json"))["addresses"][0]["address"]
    queued = json.loads(desk.ok("safe", "propose", "--safe", client, "--asset", hkdh, "--amount", "100", "--to",
                                kowloon, *desk.key("Dana Ho (operations)"), "--json"))
    record = queued["travel_rule"]
    assert record["required"] and record["value_hkd"] == str(100 * 10**6)
    assert "is a licensed issuer's stablecoin: every transfer of it falls under the rule" in record["reason"]
    assert record["ivms101"]["beneficiary"]["accountNumber"] == [kowloon]  # built from the counterparty records
    desk.ok("tokens", "set-licensed", hkdh, "no")
    again = json.loads(desk.ok("safe", "propose", "--safe", client, "--asset", hkdh, "--amount", "101", "--to",
                               kowloon, *desk.key("Dana Ho (operations)"), "--json"))
    assert again["travel_rule"]["required"] is False


def test_a_transfer_over_the_threshold_on_postgresql(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory,
                                                     tmp_path: Path) -> None:
    """The same on a profile whose data is in PostgreSQL: the record built from the counterparty records at
    proposal, stored in the proposal's transaction, exported; execution refused once it is deleted, then the
    transfer executed with it attached again."""
    database = postgres_server.create_database("compliance")
    try:
        home = copy_home(shared_demo_home(tmp_path_factory.getbasetemp()), tmp_path / "home")
        move_profile_to_postgres(home, postgres_server.url(database))
        work = tmp_path / "work"
        work.mkdir()
        (work / "pw").write_text(PASSWORD + "\n")
        pg = Desk(home, work, {})
        pg.keys = {k["label"]: k["address"] for k in json.loads(pg.ok("keys", "list", "--json"))}
        client, victoria = _client_vault(pg), json.loads(pg.ok(
            "counterparty", "show", "Victoria Harbour Endowment", "--json"))["addresses"][0]["address"]
        waiting = next(i for i in json.loads(pg.ok("safe", "queue", "--json")) if i["state"] == "approving")
        queued = json.loads(pg.ok("safe", "propose", "--safe", client, "--asset", _hkdh(pg), "--amount", "20000",
                                  "--to", victoria, "--nonce", str(waiting["nonce"]),
                                  *pg.key("Dana Ho (operations)"), "--json"))
        key, record = queued["safe_tx_hash"], queued["travel_rule"]
        assert record["required"] and record["intact"]
        assert record["ivms101"]["originator"]["accountNumber"] == [client]
        pg.ok("safe", "approve", key, *pg.key("Ben Wong (officer)"))
        pg.ok("safe", "approve", key, *pg.key("Carmen Lee (offline signer)"))
        with pg.open() as services, services.profile.engine.begin() as conn:
            conn.execute(delete(travel_rule_records).where(travel_rule_records.c.safe_tx_hash == key))
        assert "has no Travel Rule record" in pg.refused("safe", "execute", key, *pg.key("Alice Chan (officer)"))
        payload = work / "record.json"
        payload.write_text(json.dumps(record["ivms101"]))
        pg.ok("travel-rule", "attach", key, "--file", str(payload), *pg.key("Alice Chan (officer)"))
        assert "has a Travel Rule record already" in pg.refused(
            "travel-rule", "attach", key, "--file", str(payload), *pg.key("Alice Chan (officer)"))
        assert json.loads(pg.ok("safe", "execute", key, *pg.key("Alice Chan (officer)"), "--json"))["state"] == \
            "final"
        pg.ok("travel-rule", "export", key, "--out", str(work / "export.json"))
        assert json.loads((work / "export.json").read_text())["digest"] == record["digest"]
    finally:
        postgres_server.drop_database(database)
