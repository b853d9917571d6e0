"""The audit log (SECURITY M1-M6): the hash chain, its signatures, what verification names when a row is edited,
deleted, reordered or inserted, truncation against an anchored head, exports, and appends that race."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from sqlalchemy import Engine, delete, func, insert, select, text, update

from wallet_app.audit import actions
from wallet_app.audit.entry import ZERO_HASH, build_detail, entry_signer, recover_entry_signer, signing_message
from wallet_app.audit.export import export_audit, render_csv, render_json
from wallet_app.audit.log import AuditHead, AuditLog
from wallet_app.audit.verify import verify_entries
from wallet_app.errors import ConfigError, SignerMismatch
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import SOURCE_ADDED, TokenEntry, TokenRegistry
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import audit_log, tokens

CHAIN_ID = 177
ALICE_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ALICE = Account.from_key(ALICE_KEY).address
MALLORY_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
TOKEN = "0x" + "ab" * 20


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(sqlite_url(tmp_path / "profile.db"))
    yield engine
    engine.dispose()


def make_log(engine: Engine) -> AuditLog:
    return AuditLog(engine=engine, host="desk-1", chain_id=CHAIN_ID, operator_label="tester")


def fill(log: AuditLog, count: int = 6) -> None:
    """A realistic little history: unsigned operator actions and signed approvals."""
    signer = KeystoreSigner(address=ALICE, private_key=ALICE_KEY)
    for i in range(count):
        if i % 3 == 2:
            log.record(actor=ALICE, action=actions.TOKEN_APPROVE, subject=TOKEN, detail={"n": i},
                       sign=entry_signer(signer))
        else:
            log.record(actor=actions.OPERATOR, action=actions.TOKEN_ADD, subject=TOKEN, detail={"n": i})


def rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(audit_log).order_by(audit_log.c.seq))]


def execute(engine: Engine, *statements: object) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[call-overload]


# -- the chain ---------------------------------------------------------------------------------------------------------

def test_entries_chain_from_zero_and_an_auditor_recomputes_them_from_the_json_export(engine: Engine) -> None:
    log = make_log(engine)
    fill(log)
    stored = rows(engine)
    assert [r["seq"] for r in stored] == [1, 2, 3, 4, 5, 6]
    assert stored[0]["prev_hash"] == ZERO_HASH
    document = json.loads(render_json(log.load_all()))
    prev = ZERO_HASH
    for entry in document["entries"]:  # only json and keccak-256, as the export says
        fields = {k: entry[k] for k in ("seq", "at", "monotonic_ns", "host", "actor", "actor_label", "role",
                                        "action", "chain_id", "subject", "prev_hash")}
        fields["detail"] = json.dumps(entry["detail"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        assert entry["prev_hash"] == prev
        assert "0x" + keccak(canonical).hex() == entry["entry_hash"]
        if entry["signature"]:  # EIP-191 personal_sign, checked with eth-account
            message = encode_defunct(text=f"Custos audit entry {entry['entry_hash']}")
            assert Account.recover_message(message, signature=entry["signature"]) == entry["actor"] == ALICE
        prev = entry["entry_hash"]
    assert document["head"] == {"seq": 6, "entry_hash": prev}
    report = log.verify()
    assert report.intact and report.entries == 6 and report.signed == 2
    assert report.head == AuditHead(6, prev)


def test_a_signature_by_another_key_is_refused_and_nothing_is_written(engine: Engine) -> None:
    log = make_log(engine)
    mallory = KeystoreSigner(address=Account.from_key(MALLORY_KEY).address, private_key=MALLORY_KEY)
    with pytest.raises(SignerMismatch):
        log.record(actor=ALICE, action=actions.POLICY_APPROVE, subject="0x01", sign=entry_signer(mallory))
    assert rows(engine) == []


def test_the_signed_message_can_never_be_a_safe_eth_sign_signature() -> None:
    """A Safe eth_sign signature (v > 30) is personal_sign over 32 raw bytes; ours signs 85 ASCII characters."""
    message = signing_message("0x" + "11" * 32)
    assert message.startswith("Custos audit entry 0x") and len(message.encode("ascii")) == 85


def test_a_detail_never_names_a_secret_and_long_outside_text_is_cut() -> None:
    for key in ("password", "hsm_pin", "mnemonic", "private_key", "secret", "seed"):
        with pytest.raises(ValueError, match="never holds a secret"):
            build_detail({key: "x"})
    with pytest.raises(ValueError, match="floats"):
        build_detail({"amount": 1.5})
    cut = json.loads(build_detail({"name": "A" * 100_000}))["name"]
    assert len(cut) < 600 and cut.endswith("(+99500 characters)")


# -- M2: tamper evidence ---------------------------------------------------------------------------------------------

def first_bad(engine: Engine) -> tuple[int, str, str]:
    report = make_log(engine).verify()
    assert not report.intact and report.problem is not None
    return report.problem.seq, report.problem.kind, report.problem.message


def test_M2_an_edited_entry_is_named(engine: Engine) -> None:
    fill(make_log(engine))
    execute(engine, update(audit_log).where(audit_log.c.seq == 4).values(detail='{"n":40}'))
    assert first_bad(engine) == (4, "edited", "entry 4: its hash does not match its content (edited?)")


def test_M2_an_edit_with_a_recomputed_hash_breaks_the_next_link_or_a_signature(engine: Engine) -> None:
    log = make_log(engine)
    fill(log)
    entries = log.load_all()
    from dataclasses import replace

    forged = replace(entries[1], subject="0x" + "cd" * 20)  # entry 2 rewritten, its own hash recomputed
    execute(engine, update(audit_log).where(audit_log.c.seq == 2).values(subject=forged.subject,
                                                                           entry_hash=forged.compute_hash()))
    seq, kind, message = first_bad(engine)
    assert (seq, kind) == (2, "broken_link") and "entry 3 does not link to it" in message
    # ... and re-linking entry 3 too changes its hash; entry 3 (a signed approval) then fails its signature
    third = replace(entries[2], prev_hash=forged.compute_hash())
    execute(engine, update(audit_log).where(audit_log.c.seq == 3).values(prev_hash=third.prev_hash,
                                                                           entry_hash=third.compute_hash()))
    seq, kind, message = first_bad(engine)
    assert (seq, kind) == (3, "bad_signature"), message


def test_M2_a_deleted_entry_is_named(engine: Engine) -> None:
    fill(make_log(engine))
    execute(engine, delete(audit_log).where(audit_log.c.seq == 3))
    assert first_bad(engine) == (3, "deleted", "entry 3: missing from the log (it is deleted)")


def test_M2_a_deleted_entry_with_the_rest_renumbered_is_named(engine: Engine) -> None:
    fill(make_log(engine))
    execute(engine, delete(audit_log).where(audit_log.c.seq == 3))
    for seq in (4, 5, 6):
        execute(engine, update(audit_log).where(audit_log.c.seq == seq).values(seq=seq - 1))
    seq, kind, message = first_bad(engine)
    assert (seq, kind) == (3, "deleted") and "was entry 4" in message


def test_M2_reordered_entries_are_named(engine: Engine) -> None:
    fill(make_log(engine))
    execute(engine, update(audit_log).where(audit_log.c.seq == 4).values(seq=-4),
            update(audit_log).where(audit_log.c.seq == 5).values(seq=4),
            update(audit_log).where(audit_log.c.seq == -4).values(seq=5))
    seq, kind, message = first_bad(engine)
    assert (seq, kind) == (4, "reordered") and "it was entry 5" in message


def test_M2_an_inserted_entry_is_named(engine: Engine) -> None:
    """A well-formed entry inserted after entry 2 (the later ones renumbered to make room)."""
    log = make_log(engine)
    fill(log)
    second = log.load_all()[1]
    for seq in (6, 5, 4, 3):
        execute(engine, update(audit_log).where(audit_log.c.seq == seq).values(seq=seq + 1))
    from dataclasses import replace

    forged = replace(second, seq=3, subject="0x" + "ee" * 20, prev_hash=second.entry_hash)
    values = {k: getattr(forged, k) for k in ("seq", "at", "monotonic_ns", "host", "actor", "actor_label", "role",
                                              "action", "chain_id", "subject", "detail", "prev_hash")}
    execute(engine, insert(audit_log).values(**values, entry_hash=forged.compute_hash()))
    seq, kind, message = first_bad(engine)
    assert (seq, kind) == (3, "inserted") and "entry 4 (it was entry 3) follows entry 2" in message


def test_M2_a_forged_signing_action_without_a_signature_is_named(engine: Engine) -> None:
    log = make_log(engine)
    fill(log, 2)
    log.record(actor=ALICE, action=actions.POLICY_APPROVE, subject="0x01")  # appended through the log, unsigned
    assert first_bad(engine)[:2] == (3, "unsigned")


def test_M2_a_signature_by_a_key_the_profile_never_had_is_named(engine: Engine) -> None:
    log = make_log(engine)
    fill(log, 3)
    report = log.verify(key_lookup=lambda address: False)
    assert report.problem is not None and (report.problem.seq, report.problem.kind) == (3, "unknown_signer")
    assert log.verify(key_lookup=lambda address: address == ALICE).intact


# -- M3: truncation --------------------------------------------------------------------------------------------------

def test_M3_truncation_is_invisible_alone_and_detected_against_an_anchored_head(engine: Engine) -> None:
    log = make_log(engine)
    fill(log)
    anchored = log.load_head()
    assert anchored is not None and anchored.seq == 6
    assert AuditHead.parse(anchored.text()) == anchored
    execute(engine, delete(audit_log).where(audit_log.c.seq > 4))
    assert log.verify().intact  # what remains is a valid chain: this is why the head is anchored elsewhere
    report = log.verify(expect_head=anchored)
    assert report.problem is not None and (report.problem.seq, report.problem.kind) == (5, "truncated")
    assert "2 entries deleted from the end" in report.problem.message
    # cut and rewritten with new entries: the anchored seq exists again but is another entry
    fill(log, 3)
    report = log.verify(expect_head=anchored)
    assert report.problem is not None and (report.problem.seq, report.problem.kind) == (6, "truncated")
    with pytest.raises(ConfigError):
        AuditHead.parse("6:0x1234")


# -- M1: atomicity ---------------------------------------------------------------------------------------------------

def new_token(address: str = TOKEN) -> TokenEntry:
    return TokenEntry(address, Standard.ERC20, "=HYPERLINK(\"x\")", "Name", 18, verified=False, source=SOURCE_ADDED)


def test_M1_a_change_and_its_entry_are_both_or_neither(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    log = make_log(engine)
    registry = TokenRegistry(engine=engine, chain_id=CHAIN_ID, audit=log)
    registry.save_new_token(new_token())
    assert [e.action for e in log.load_all()] == [actions.TOKEN_ADD]

    original = AuditLog.append

    def append_then_fail(self: AuditLog, *args: object, **kwargs: object) -> object:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the change's transaction fails after the append")

    monkeypatch.setattr(AuditLog, "append", append_then_fail)
    with pytest.raises(RuntimeError):
        registry.save_new_token(new_token("0x" + "cd" * 20))
    with pytest.raises(RuntimeError):
        registry.delete_unreviewed(TOKEN)
    monkeypatch.undo()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tokens)).scalar() == 1  # the first token only
    assert [e.action for e in log.load_all()] == [actions.TOKEN_ADD]
    assert log.verify().intact


KILL_SCRIPT = """
import os, signal, sys
from wallet_app.audit.log import AuditLog
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import SOURCE_ADDED, TokenEntry, TokenRegistry
from wallet_app.storage.database import open_database, sqlite_url

engine = open_database(sqlite_url(sys.argv[1]))
log = AuditLog(engine=engine, host="desk", chain_id=177)
original = AuditLog.append

def append_then_die(self, *args, **kwargs):
    entry = original(self, *args, **kwargs)
    if kwargs.get("subject", "").lower() == sys.argv[2].lower():
        os.kill(os.getpid(), signal.SIGKILL)  # after the append, before the commit
    return entry

AuditLog.append = append_then_die
registry = TokenRegistry(engine=engine, chain_id=177, audit=log)
for address in sys.argv[3:]:
    registry.save_new_token(TokenEntry(address, Standard.ERC20, "T", "T", 18, verified=False, source=SOURCE_ADDED))
"""


def test_M1_killed_between_the_append_and_the_commit_leaves_neither(tmp_path: Path) -> None:
    db = tmp_path / "profile.db"
    first, doomed = "0x" + "11" * 20, "0x" + "22" * 20
    result = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(db), doomed, first, doomed],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    engine = open_database(sqlite_url(db))
    try:
        with engine.connect() as conn:
            addresses = [a.lower() for a in conn.execute(select(tokens.c.address)).scalars()]
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert addresses == [first]
        log = make_log(engine)
        assert [(e.seq, e.subject.lower()) for e in log.load_all()] == [(1, first)]
        assert log.verify().intact
        log.record(actor=actions.OPERATOR, action=actions.TOKEN_ADD, subject=doomed)  # the chain goes on
        assert log.verify().intact and log.load_head().seq == 2  # type: ignore[union-attr]
    finally:
        engine.dispose()


# -- concurrency -----------------------------------------------------------------------------------------------------

APPEND_SCRIPT = """
import sys
from sqlalchemy import insert
from wallet_app.audit.log import AuditLog
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import labels

engine = open_database(sqlite_url(sys.argv[1]))
log = AuditLog(engine=engine, host=sys.argv[2], chain_id=177)
for i in range(int(sys.argv[3])):
    with engine.begin() as conn:  # a change first, then its entry: the transaction holds the write lock
        conn.execute(insert(labels).values(chain_id=177, address=f"{sys.argv[2]}-{i}", label="x", kind="contract"))
        log.append(conn, actor="operator", action="feed_change", subject=f"{sys.argv[2]}-{i}")
    log.record(actor="operator", action="export", subject=f"{sys.argv[2]}-{i}")  # the entry alone
"""


def test_appends_from_two_threads_and_two_processes_keep_the_chain_gapless(tmp_path: Path) -> None:
    db = tmp_path / "profile.db"
    engine = open_database(sqlite_url(db))
    try:
        log = make_log(engine)
        count = 25
        processes = [subprocess.Popen([sys.executable, "-c", APPEND_SCRIPT, str(db), f"proc{n}", str(count)],
                                      stderr=subprocess.PIPE, text=True) for n in range(2)]
        errors: list[BaseException] = []

        def work(name: str) -> None:
            try:
                for i in range(count):
                    log.record(actor=actions.OPERATOR, action=actions.EXPORT, subject=f"{name}-{i}")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f"thread{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for process in processes:
            _out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
        assert not errors
        report = log.verify()
        assert report.intact, report.describe()
        assert report.entries == 2 * count + 2 * 2 * count
        assert [e.seq for e in log.load_all()] == list(range(1, report.entries + 1))
    finally:
        engine.dispose()


def test_the_write_lock_is_dialect_aware() -> None:
    """PostgreSQL: a transaction-level advisory lock before the head is read (the server's own test is run by the
    PostgreSQL fixture); SQLite: BEGIN IMMEDIATE unless the transaction already writes."""
    from wallet_app.audit import log as log_module

    issued: list[str] = []

    class Dialect:
        name = "postgresql"

    class Conn:
        dialect = Dialect()

        def execute(self, statement: object, params: object = None) -> None:
            issued.append(f"{statement} {params}")

    log_module._take_write_lock(Conn())  # type: ignore[arg-type]
    assert issued == [f"SELECT pg_advisory_xact_lock(:key) {{'key': {log_module.AUDIT_LOCK_KEY}}}"]
    assert 0 < log_module.AUDIT_LOCK_KEY < 2**63


# -- M6: exports -----------------------------------------------------------------------------------------------------

def test_M6_export_injection_escaped(engine: Engine, tmp_path: Path) -> None:
    log = AuditLog(engine=engine, host="@host", chain_id=CHAIN_ID, operator_label="=cmd|' /C calc'!A0")
    registry = TokenRegistry(engine=engine, chain_id=CHAIN_ID, audit=log)
    registry.save_new_token(new_token())
    log.record(actor=actions.OPERATOR, action=actions.EXPORT, subject="+SUM(1,2)", detail={"file": "-2+3"})
    csv_text = render_csv(log.load_all())
    import csv
    import io

    cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=cmd|' /C calc'!A0" in cells and "'+SUM(1,2)" in cells and "'@host" in cells
    assert [c for c in cells if "=HYPERLINK" in c and c.startswith("{")]  # inside the detail's JSON text
    out = tmp_path / "audit.json"
    result = export_audit(log, "json", out)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert result.entries == 2 and document["entries"][0]["detail"]["symbol"] == '=HYPERLINK("x")'
    with pytest.raises(ConfigError, match="already exists"):
        export_audit(log, "csv", out)
    last = log.load_entries(limit=1)[0]
    assert (last.action, last.details()["kind"], last.details()["file"]) == ("export", "audit log", "audit.json")
    assert log.verify().intact


def test_listing_filters_by_action_actor_and_text(engine: Engine) -> None:
    log = make_log(engine)
    fill(log)
    assert [e.seq for e in log.load_entries(limit=2)] == [6, 5]
    assert {e.action for e in log.load_entries(action=actions.TOKEN_APPROVE)} == {actions.TOKEN_APPROVE}
    assert [e.seq for e in log.load_entries(actor=ALICE.lower())] == [6, 3]
    assert [e.seq for e in log.load_entries(search='"n":4')] == [5]
    assert log.load_entries(search="100%_") == []
    assert recover_entry_signer(log.load_all()[2].entry_hash, log.load_all()[2].signature or "") == ALICE
    assert verify_entries([]).describe() == "The audit log is empty."


def test_an_empty_log_verifies_and_a_head_is_none(engine: Engine) -> None:
    log = make_log(engine)
    assert log.load_head() is None and log.verify().intact
