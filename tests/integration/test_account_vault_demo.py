"""A cold transfer end to end on the demo's devnet (issue 15): Dana proposes 1,000,000 HKDH from the cold vault (a
plain account whose key exists only as 2-of-3 SLIP-39 shares) to the client vault; Alice and Ben approve by EIP-712
signatures; the request goes by file to the demo's offline signer, where Alice's and Carmen's shares rebuild the key
in memory and sign; the signed transaction comes back, is sent and followed to final. Then what is refused: the
proposer or a stranger approving, a transfer the policy denies, one share short, an answer to another request, and
a queue row edited in the database."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.support.demo_template import copy_demo
from wallet_app.cli.program import main
from wallet_app.demo.demo_cold import SHARE_PASSPHRASES, SHARES_DIR

PASSWORD = "custos-demo"
MILLION = 1_000_000


@dataclass
class Demo:
    home: Path
    work: Path
    keys: dict[str, str]
    cold: str
    client: str
    hkdh: str

    def cli(self, *args: str, profile: str = "demo") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--home", str(self.home), "--profile", profile, *args])
        return code, out.getvalue(), err.getvalue()

    def ok(self, *args: str, profile: str = "demo") -> str:
        code, out, err = self.cli(*args, profile=profile)
        assert code == 0, err + out
        return out

    def key(self, who: str) -> list[str]:
        return ["--key", self.keys[who], "--password-file", str(self.work / "pw")]

    def share(self, index: int) -> list[str]:
        """The share file of the index-th holder (0: Alice, 1: Ben, 2: Carmen) and its passphrase file."""
        path = next((self.home / SHARES_DIR).glob(f"{index + 1}-of-3-*.custos-share"))
        secret = self.work / f"share-{index}.pass"
        secret.write_text(SHARE_PASSPHRASES[index] + "\n")
        return ["--share", str(path), "--passphrase-file", str(secret)]

    def balance(self, account: str, asset: str) -> int:
        report = json.loads(self.ok("holdings", "--account", account, "--json"))
        return sum(h["balance"] for h in report["holdings"] if h["asset"] == asset)

    def propose(self, amount: int, to: str) -> tuple[int, dict[str, object]]:
        code, out, err = self.cli("account-vault", "propose", "--vault", self.cold, "--asset", self.hkdh,
                                  "--amount", str(amount), "--to", to, *self.key("Dana Ho (operations)"), "--json")
        assert code in (0, 1), err
        return code, json.loads(out)


def make_demo(tmp: Path) -> Demo:
    home = copy_demo(tmp / "home")
    work = tmp / "work"
    work.mkdir()
    (work / "pw").write_text(PASSWORD + "\n")
    demo = Demo(home, work, {}, "", "", "")
    demo.keys = {k["label"]: k["address"] for k in json.loads(demo.ok("keys", "list", "--json"))}
    demo.cold = json.loads(demo.ok("cold", "list", "--json", profile="demo-signer"))[0]["address"]
    demo.client = next(v["address"] for v in json.loads(demo.ok("vaults", "list", "--json"))
                       if v["label"] == "Harbour client vault")
    demo.hkdh = next(t["address"] for t in json.loads(demo.ok("tokens", "list", "--json")) if t["symbol"] == "HKDH")
    return demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return make_demo(tmp_path_factory.mktemp("account-vault"))


def approved(demo: Demo, amount: int) -> str:
    code, proposal = demo.propose(amount, demo.client)
    assert code == 0 and proposal["queued"], proposal
    item = proposal["item"]
    assert isinstance(item, dict)
    tx_hash = str(item["tx_hash"])
    demo.ok("account-vault", "approve", tx_hash, *demo.key("Alice Chan (officer)"))
    demo.ok("account-vault", "approve", tx_hash, *demo.key("Ben Wong (officer)"))
    return tx_hash


def test_a_cold_transfer_from_proposal_to_final(demo: Demo) -> None:
    cold_before, client_before = demo.balance(demo.cold, demo.hkdh), demo.balance(demo.client, demo.hkdh)
    code, proposal = demo.propose(MILLION, demo.client)
    assert code == 0 and proposal["queued"] and proposal["decision"]["decision"] == "allow"  # type: ignore[index]
    item = proposal["item"]
    assert isinstance(item, dict) and item["state"] == "proposed" and item["threshold"] == 2
    tx_hash = str(item["tx_hash"])
    travel = demo.ok("travel-rule", "show", tx_hash)  # decided at proposal, as for a Safe's transfers
    assert "does not apply" in travel and "nothing to anyone outside the institution's vaults" in travel
    demo.ok("account-vault", "approve", tx_hash, *demo.key("Alice Chan (officer)"))
    one = json.loads(demo.ok("account-vault", "queue", "--json"))[0]
    assert one["state"] == "proposed" and one["approvers"] == [demo.keys["Alice Chan (officer)"]]
    demo.ok("account-vault", "approve", tx_hash, *demo.key("Ben Wong (officer)"))
    assert json.loads(demo.ok("account-vault", "queue", "--json"))[0]["state"] == "ready"

    request, answer = demo.work / "cold.request", demo.work / "cold.answer"
    demo.ok("account-vault", "request", tx_hash, "--out", str(request))
    shown = demo.ok("cold", "sign", str(request), *demo.share(0), *demo.share(2), "--out", str(answer),
                    "--confirm", tx_hash, profile="demo-signer")
    assert tx_hash in shown and "Harbour client vault" in shown
    imported = demo.ok("offline", "import", str(answer))
    assert "signed" in imported
    sent = json.loads(demo.ok("account-vault", "send", tx_hash, "--wait", "30", "--json"))
    assert sent["state"] == "final" and sent["outcome"] == "success", sent
    assert demo.balance(demo.cold, demo.hkdh) == cold_before - MILLION * 10**6
    assert demo.balance(demo.client, demo.hkdh) == client_before + MILLION * 10**6
    audit = demo.ok("audit", "list", "--json")
    assert all(action in audit for action in ("propose", "approve", "offline_request", "cold_signed", "execute"))
    assert "intact" in demo.ok("audit", "verify")
    assert "intact" in demo.ok("audit", "verify", profile="demo-signer")


def test_who_may_approve_and_what_the_policy_denies(demo: Demo) -> None:
    code, denied = demo.propose(MILLION, "0x" + "11" * 20)  # not a contact
    assert code == 1 and not denied["queued"] and denied["decision"]["decision"] == "deny"  # type: ignore[index]
    code, too_much = demo.propose(60 * MILLION, demo.client)  # above the rule's 50,000,000 HKDH
    assert code == 1 and not too_much["queued"]
    code, proposal = demo.propose(2 * MILLION, demo.client)
    tx_hash = str(proposal["item"]["tx_hash"])  # type: ignore[index]
    code, _out, err = demo.cli("account-vault", "approve", tx_hash, *demo.key("Dana Ho (operations)"))
    assert code == 1 and "segregation of duties" in err
    code, _out, err = demo.cli("account-vault", "approve", tx_hash, *demo.key("Harbour issuer agent"))
    assert code == 1 and "is not an approver of Harbour cold vault" in err
    code, _out, err = demo.cli("account-vault", "request", tx_hash, "--out", str(demo.work / "early.request"))
    assert code == 1 and "only a transfer with its approvals complete" in err
    assert not (demo.work / "early.request").exists()


def test_one_share_short_or_another_request_s_answer_is_refused(demo: Demo) -> None:
    tx_hash = approved(demo, 3 * MILLION)
    request, answer = demo.work / "short.request", demo.work / "short.answer"
    demo.ok("account-vault", "request", tx_hash, "--out", str(request))
    code, _out, err = demo.cli("cold", "sign", str(request), *demo.share(1), "--out", str(answer),
                               "--confirm", tx_hash, profile="demo-signer")
    assert code == 1 and not answer.exists(), err
    assert "1 share given; 2 of the 3 holders' shares are needed" in err
    # A signature over another transfer (the first test's request answered again) does not complete this one.
    code, _out, err = demo.cli("offline", "import", str(demo.work / "cold.answer"))
    assert code == 1 and ("imported already" in err or "did not make" in err or "no longer ready" in err), err
    assert json.loads(demo.ok("account-vault", "queue", "--json"))[-1]["state"] == "ready"


def test_an_edited_queue_row_is_quarantined_and_never_requested(demo: Demo) -> None:
    from wallet_app.profiles import open_profile
    from wallet_app.storage.schema import account_queue_items

    tx_hash = approved(demo, 4 * MILLION)
    profile = open_profile(demo.home, "demo")
    try:
        with profile.engine.begin() as conn:
            row = conn.execute(account_queue_items.select().where(account_queue_items.c.tx_hash == tx_hash)).one()
            edited = row.unsigned_tx[:-8] + "deadbeef"  # the last bytes of the calldata: another amount
            conn.execute(update(account_queue_items).where(account_queue_items.c.tx_hash == tx_hash)
                         .values(unsigned_tx=edited))
    finally:
        profile.close()
    entry = next(e for e in json.loads(demo.ok("account-vault", "queue", "--json")) if e["tx_hash"] == tx_hash)
    assert entry["quarantined"] and entry["approvers"] == []
    code, _out, err = demo.cli("account-vault", "request", tx_hash, "--out", str(demo.work / "edited.request"))
    assert code == 1 and "quarantined" in err
