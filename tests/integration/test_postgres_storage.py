"""The profile database on a real PostgreSQL server: every migration to head, a profile created on it from the
command line, the one-policy-in-force index, concurrent inserts (J1), serialization failures and deadlocks retried
(J4), and a server that goes away (a one-line error, never a traceback)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, event, func, insert, inspect, select, text, update
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import IntegrityError

from tests.support.postgres import PostgresServer, start_postgres
from wallet_app.cli import main
from wallet_app.config import list_profiles
from wallet_app.errors import StorageConflict, StorageUnavailable
from wallet_app.profiles import open_profile
from wallet_app.storage.database import fetch_revision, open_database
from wallet_app.storage.labels import AddressLabel
from wallet_app.storage.retry import run_in_transaction
from wallet_app.storage.schema import SCHEMA_HEAD, metadata, policies, policy_approvals

pytestmark = pytest.mark.integration

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
OWNER = "0x" + "ab" * 20
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def no_sleep(_seconds: float) -> None:
    pass


def sqlstates_seen(engine: Engine) -> list[str | None]:
    """Every SQLSTATE the server answered `engine` with, in order."""
    seen: list[str | None] = []

    def record(context: ExceptionContext) -> None:
        seen.append(getattr(context.original_exception, "sqlstate", None))

    event.listen(engine, "handle_error", record)
    return seen


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def sessions_waiting_on_a_lock(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )).scalar_one())


def policy_row(chain_id: int, digest_byte: str, state: str) -> dict[str, object]:
    return {"chain_id": chain_id, "digest": "0x" + digest_byte * 32, "version": 1, "text": "version: 1\n",
            "proposed_by": OWNER, "proposed_at": NOW, "proposer_signature": "0x" + "11" * 65, "state": state,
            "closed_reason": ""}


def approval_row(signature_byte: str) -> dict[str, object]:
    return {"chain_id": 177, "digest": "0x" + "cd" * 32, "signer": OWNER, "signature": "0x" + signature_byte * 65,
            "signed_at": NOW}


def test_every_migration_runs_to_head_on_postgresql(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        assert fetch_revision(engine) == SCHEMA_HEAD
        assert set(inspect(engine).get_table_names()) == {*metadata.tables, "alembic_version"}
        with engine.connect() as conn:  # the migrated tables are exactly the ones the code declares
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
    finally:
        engine.dispose()
    again = open_database(postgres_url)  # at head: opened as it is
    assert fetch_revision(again) == SCHEMA_HEAD
    again.dispose()


def test_profile_create_on_a_shared_postgresql_database(postgres_server: PostgresServer, postgres_url: str,
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The password travels in the URL here only to show it is never printed (the server trusts loopback anyway).
    url = postgres_url.replace("postgresql+psycopg://postgres@", "postgresql://postgres:s3cret-pw@")
    database = postgres_url.rsplit("/", 1)[1]
    for desk in ("desk-a", "desk-b"):
        code = main(["--home", str(tmp_path / desk), "profile", "create", "team", "--network", "sepolia",
                     "--rpc-url", "http://127.0.0.1:9", "--database-url", url])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "s3cret-pw" not in out + err
        assert f"PostgreSQL database postgresql://127.0.0.1:{postgres_server.port}/{database}" in out

    desk_a = open_profile(tmp_path / "desk-a", "team")
    desk_b = open_profile(tmp_path / "desk-b", "team")
    try:
        assert desk_a.config.database_url is not None
        assert desk_a.config.database_url.startswith("postgresql+psycopg://")
        assert desk_a.engine.dialect.name == "postgresql"
        assert not desk_a.paths.database_file.exists()  # no SQLite file beside it
        desk_a.label_book.save_many([AddressLabel(ALICE, "Alice Chan", "officer")])
        assert desk_b.load_labels()[ALICE].label == "Alice Chan"  # one database, two desktops
    finally:
        desk_a.close()
        desk_b.close()


@pytest.mark.parametrize(("url", "message"), [
    ("sqlite:////tmp/custos.db", "must start with postgresql://"),
    ("mysql://user:hunter2@127.0.0.1/custos", "must start with postgresql://"),
    ("postgresql+psycopg2://user:hunter2@127.0.0.1/custos", "must start with postgresql://"),
    ("postgresql://user:hunter2@127.0.0.1:5432", "needs a host and a database name"),
    ("not a url", "is not a URL"),
])
def test_profile_create_refuses_other_database_urls(url: str, message: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--home", str(tmp_path), "profile", "create", "team", "--network", "sepolia",
                 "--rpc-url", "http://127.0.0.1:9", "--database-url", url])
    out, err = capsys.readouterr()
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1
    assert "hunter2" not in out + err
    assert list_profiles(tmp_path) == []


def test_at_most_one_policy_in_force_per_chain(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(policies), [policy_row(177, "a1", "active"), policy_row(177, "b2", "proposed"),
                                            policy_row(1, "c3", "active")])  # another chain: its own policy in force
        with pytest.raises(IntegrityError) as refused, engine.begin() as conn:
            conn.execute(update(policies).where(policies.c.digest == "0x" + "b2" * 32).values(state="active"))
        assert refused.value.orig.sqlstate == "23505"  # type: ignore[union-attr]
        assert "policies_one_active" in str(refused.value.orig)
        with engine.begin() as conn:  # replacing the policy in force, in one transaction, is allowed
            conn.execute(update(policies).where(policies.c.digest == "0x" + "a1" * 32).values(state="superseded"))
            conn.execute(update(policies).where(policies.c.digest == "0x" + "b2" * 32).values(state="active"))
            rows = conn.execute(select(policies.c.digest, policies.c.state).where(policies.c.chain_id == 177))
            states = {row.digest: row.state for row in rows}
        assert states == {"0x" + "a1" * 32: "superseded", "0x" + "b2" * 32: "active"}
    finally:
        engine.dispose()


def test_two_desktops_inserting_the_same_approval_leave_one_row(postgres_url: str) -> None:
    """J1: the second insert waits for the first; when the first commits it fails cleanly, and one row is left."""
    engine = open_database(postgres_url)
    outcome: dict[str, BaseException | None] = {}

    def second_desktop() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(insert(policy_approvals), approval_row("22"))
            outcome["error"] = None
        except BaseException as error:
            outcome["error"] = error

    try:
        with engine.connect() as first:
            with first.begin():
                first.execute(insert(policy_approvals), approval_row("11"))
                other = threading.Thread(target=second_desktop)
                other.start()
                wait_until(lambda: sessions_waiting_on_a_lock(engine) == 1, "the second insert waits for the first")
            other.join(timeout=10)
        error = outcome["error"]
        assert isinstance(error, IntegrityError) and error.orig.sqlstate == "23505"  # type: ignore[union-attr]
        with engine.connect() as conn:
            rows = conn.execute(select(policy_approvals.c.signature)).all()
        assert rows == [("0x" + "11" * 65,)]
    finally:
        engine.dispose()


def counter_table(engine: Engine, ids: tuple[int, ...]) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counters (id integer PRIMARY KEY, n integer NOT NULL)"))
        for key in ids:
            conn.execute(text("INSERT INTO counters VALUES (:id, 0)"), {"id": key})


def counters(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        return {int(k): int(n) for k, n in conn.execute(text("SELECT id, n FROM counters"))}


def test_a_serialization_failure_is_retried_without_losing_a_write(postgres_url: str) -> None:
    """J4, 40001: another desktop commits a change to the row this SERIALIZABLE transaction read; the server aborts
    this one, and the retry reads the new value and adds to it."""
    engine = open_database(postgres_url)
    counter_table(engine, (1,))
    seen = sqlstates_seen(engine)
    attempts: list[int] = []
    waits: list[float] = []

    def increment(conn: Connection) -> int:
        attempts.append(len(attempts) + 1)
        current = int(conn.execute(text("SELECT n FROM counters WHERE id = 1")).scalar_one())
        if len(attempts) == 1:  # meanwhile, the other desktop's increment commits
            with engine.connect() as other:
                other.execution_options(isolation_level="SERIALIZABLE")
                with other.begin():
                    other.execute(text("UPDATE counters SET n = n + 1 WHERE id = 1"))
        conn.execute(text("UPDATE counters SET n = :n WHERE id = 1"), {"n": current + 1})
        return current + 1

    try:
        result = run_in_transaction(engine, increment, isolation_level="SERIALIZABLE", sleep=waits.append)
        assert seen == ["40001"]
        assert attempts == [1, 2] and len(waits) == 1 and 0 <= waits[0] <= 0.04
        assert result == 2 and counters(engine) == {1: 2}  # both increments count
    finally:
        engine.dispose()


def test_a_deadlock_is_retried(postgres_url: str) -> None:
    """J4, 40P01: two transactions lock two rows in opposite orders; the server aborts one, which is run again."""
    engine = open_database(postgres_url)
    counter_table(engine, (1, 2))
    seen = sqlstates_seen(engine)
    both_hold_their_first_row = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    attempts: dict[int, int] = {1: 0, 2: 0}

    def bump_both(first: int, second: int) -> None:
        def work(conn: Connection) -> None:
            attempts[first] += 1
            conn.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
            conn.execute(text("UPDATE counters SET n = n + 1 WHERE id = :id"), {"id": first})
            if attempts[first] == 1:
                both_hold_their_first_row.wait()
            conn.execute(text("UPDATE counters SET n = n + 1 WHERE id = :id"), {"id": second})

        try:
            run_in_transaction(engine, work, sleep=no_sleep)
        except BaseException as error:
            errors.append(error)

    try:
        threads = [threading.Thread(target=bump_both, args=pair) for pair in ((1, 2), (2, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert errors == []
        assert seen == ["40P01"]
        assert sorted(attempts.values()) == [1, 2]
        assert counters(engine) == {1: 2, 2: 2}  # each transaction counted once
    finally:
        engine.dispose()


def test_retries_give_up_and_other_errors_are_not_retried(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    counter_table(engine, ())
    calls: list[str] = []
    waits: list[float] = []

    def failing(errcode: str) -> Callable[[Connection], None]:
        def work(conn: Connection) -> None:
            calls.append(errcode)
            conn.execute(text("INSERT INTO counters VALUES (:id, 1)"), {"id": len(calls)})
            conn.execute(text(f"DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{errcode}'; END $$"))
        return work

    try:
        with pytest.raises(StorageConflict) as gave_up:
            run_in_transaction(engine, failing("40001"), attempts=3, sleep=waits.append)
        assert calls == ["40001"] * 3 and len(waits) == 2
        assert "3 times" in gave_up.value.user_message and "nothing was saved" in gave_up.value.user_message
        calls.clear()
        with pytest.raises(IntegrityError):
            run_in_transaction(engine, failing("23505"), sleep=waits.append)
        assert calls == ["23505"]  # not retried
        assert counters(engine) == {}  # no attempt left a row behind
    finally:
        engine.dispose()


def test_a_server_that_goes_away_gives_one_line_not_a_traceback(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    server: PostgresServer = start_postgres()  # its own server: the session's one stays up for the other tests
    try:
        url = server.url(server.create_database("gone"))
        assert main(["--home", str(tmp_path), "profile", "create", "team", "--network", "sepolia",
                     "--rpc-url", "http://127.0.0.1:9", "--database-url", url]) == 0
        profile = open_profile(tmp_path, "team")
        try:
            profile.label_book.save_many([AddressLabel(ALICE, "Alice Chan", "officer")])
            server.stop(mode="immediate")  # as if the database host crashed

            with pytest.raises(StorageUnavailable) as mid_session:
                profile.load_labels()
            message = mid_session.value.user_message
            assert message.startswith(f"The PostgreSQL database postgresql://127.0.0.1:{server.port}/gone_")
            assert "cannot be reached" in message and "\n" not in message
            with pytest.raises(StorageUnavailable, match="Connection refused"):
                open_database(url)
            capsys.readouterr()
            assert main(["--home", str(tmp_path / "other"), "profile", "create", "late", "--network", "sepolia",
                         "--rpc-url", "http://127.0.0.1:9", "--database-url", url]) == 1
            assert "cannot be reached" in capsys.readouterr().err
            assert list_profiles(tmp_path / "other") == []  # nothing written for a database that does not answer

            capsys.readouterr()
            assert main(["--home", str(tmp_path), "--profile", "team", "keys", "list"]) == 1
            out, err = capsys.readouterr()
            assert out == ""
            assert err.startswith("custos: The PostgreSQL database postgresql://127.0.0.1:")
            assert err.count("\n") == 1 and "Traceback" not in err

            server.start()  # back again: the same engine works without reopening the profile
            assert profile.load_labels()[ALICE].label == "Alice Chan"
        finally:
            profile.close()
    finally:
        server.remove()


def test_the_session_server_answers_on_loopback_only(postgres_server: PostgresServer, postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        with engine.connect() as conn:
            listen = conn.execute(text("SHOW listen_addresses")).scalar_one()
            version = conn.execute(select(func.current_setting("server_version_num"))).scalar_one()
        assert listen == "127.0.0.1" and int(version) >= 130000  # DROP DATABASE ... WITH (FORCE) needs 13
        assert f":{postgres_server.port}/" in postgres_url
    finally:
        engine.dispose()
