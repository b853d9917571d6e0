"""The audit log on a real PostgreSQL server: concurrent appends queue on the transaction-level advisory lock and keep
the chain gapless (several threads, and several processes as several desktops would); a change and its entry commit
together or not at all (M1)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, insert, select

from wallet_app.audit import actions
from wallet_app.audit.log import AuditLog
from wallet_app.storage.database import open_database
from wallet_app.storage.schema import labels

APPEND_SCRIPT = """
import sys
from wallet_app.audit.log import AuditLog
from wallet_app.storage.database import open_database

engine = open_database(sys.argv[1])
log = AuditLog(engine=engine, host=sys.argv[2], chain_id=177)
for i in range(int(sys.argv[3])):
    log.record(actor="operator", action="export", subject=f"{sys.argv[2]}-{i}")
engine.dispose()
"""


def test_concurrent_appends_on_postgresql_keep_the_chain_gapless(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        log = AuditLog(engine=engine, host="desk", chain_id=177)
        count = 20
        processes = [subprocess.Popen([sys.executable, "-c", APPEND_SCRIPT, postgres_url, f"desk{n}", str(count)],
                                      stderr=subprocess.PIPE, text=True) for n in range(2)]
        errors: list[BaseException] = []

        def work(name: str) -> None:
            try:
                for i in range(count):
                    with engine.begin() as conn:  # a change, then its entry, in one transaction
                        conn.execute(insert(labels).values(chain_id=177, address=f"{name}-{i}", label="x",
                                                           kind="contract"))
                        log.append(conn, actor=actions.OPERATOR, action=actions.FEED_CHANGE, subject=f"{name}-{i}")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(f"thread{n}",)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for process in processes:
            _out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
        assert not errors, errors
        report = log.verify()
        assert report.intact, report.describe()
        assert report.entries == 5 * count
        assert [e.seq for e in log.load_all()] == list(range(1, 5 * count + 1))
    finally:
        engine.dispose()


def test_M1_on_postgresql_a_failed_change_leaves_no_entry(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        log = AuditLog(engine=engine, host="desk", chain_id=177)
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.execute(insert(labels).values(chain_id=177, address="0x1", label="x", kind="contract"))
            log.append(conn, actor=actions.OPERATOR, action=actions.FEED_CHANGE, subject="0x1")
            raise RuntimeError("the change fails after its entry was appended")
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(labels)).scalar() == 0
        assert log.load_all() == [] and log.verify().intact
    finally:
        engine.dispose()
