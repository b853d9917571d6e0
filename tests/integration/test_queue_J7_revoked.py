"""A revoked keyholder on the shared PostgreSQL queue (SECURITY J7).

Two desktops share one PostgreSQL database: Dana Ho's (operations; connects as the superuser of the test server)
and Ben Wong's, whose profile holds only his own keystore and connects with a database role of its own. Ben approves
a payout; then the database administrator revokes his role's INSERT and UPDATE privileges. His desktop can then
neither propose nor approve, nothing is signed or stored by the attempt, and everything he did before still
verifies: his signature counts, and the audit log's entry for it names him and carries his signature. Granting the
privileges back lets him approve again (so the refusal was the revocation, not something else).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError

from tests.support.postgres import PostgresServer
from tests.support.queue_worker import (
    BEN,
    DANA,
    PASSWORD,
    Desk,
    copy_home,
    keep_only_keys,
    load_names,
    move_profile_to_postgres,
    open_desk,
    set_profile,
    shared_demo_home,
)
from wallet_app.audit import actions
from wallet_app.audit.entry import recover_entry_signer
from wallet_app.errors import WalletError
from wallet_app.profiles import open_profile


@dataclass
class Team:
    server: PostgresServer
    database: str
    role: str
    dana: Desk
    ben: Desk
    approved: str  # approved by Ben before the revocation
    waiting: str  # proposed by Dana, to be approved by Ben after it

    def admin(self, statement: str) -> None:
        with psycopg.connect(self.server.conninfo(self.database), autocommit=True) as conn:
            conn.execute(statement.encode())


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Iterator[Team]:
    base = tmp_path_factory.mktemp("j7")
    demo = shared_demo_home(tmp_path_factory.getbasetemp())
    database = postgres_server.create_database("queue_j7")
    role = f"desk_ben_{uuid.uuid4().hex[:8]}"
    dana_home = copy_home(demo, base / "dana")
    move_profile_to_postgres(dana_home, postgres_server.url(database))
    ben_home = copy_home(dana_home, base / "ben")
    profile = open_profile(ben_home, "demo")
    ben_address = load_names(profile)[BEN]
    profile.close()
    keep_only_keys(ben_home, {ben_address})
    set_profile(ben_home, database_url=postgres_server.url(database).replace("//postgres@", f"//{role}@"),
                allow_quorum_on_device=False)
    postgres_server.execute(f'CREATE ROLE "{role}" LOGIN')
    grant = (f'GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{role}"; '
             f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    try:
        with psycopg.connect(postgres_server.conninfo(database), autocommit=True) as conn:
            conn.execute(grant.encode())
        with open_desk(dana_home) as dana, open_desk(ben_home) as ben:
            assert ben.engine.url.username == role and dana.engine.url.username == "postgres"
            approved = dana.propose(100).safe_tx_hash
            waiting = dana.propose(200).safe_tx_hash
            assert ben.approve(approved, BEN).signers == (ben.names[BEN],)
            team = Team(postgres_server, database, role, dana, ben, approved, waiting)
            team.admin(f'REVOKE INSERT, UPDATE ON ALL TABLES IN SCHEMA public FROM "{role}"')
            yield team
    finally:
        postgres_server.drop_database(database)
        postgres_server.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_J7_a_revoked_desktop_cannot_propose_or_approve_and_earlier_approvals_still_verify(team: Team) -> None:
    dana, ben = team.dana, team.ben
    ben_address = ben.names[BEN]
    journal_before = dana.services.queue._journal.entries(signer=ben_address)
    audit_before = len(dana.services.audit.load_all())
    attempts = {
        "approve": lambda: ben.approve(team.waiting, BEN),
        "approve with the password": lambda: ben.queue.approve(team.waiting, ben_address, PASSWORD),
        "propose": lambda: ben.propose(300, who=BEN),
    }
    for what, attempt in attempts.items():
        with pytest.raises((WalletError, DBAPIError)) as refused:
            attempt()
        assert "lacks the privilege" in str(refused.value), (what, refused.value)  # a StorageError, one line
    # Nothing was signed, stored or logged by the attempts.
    assert dana.services.queue._journal.entries(signer=ben_address) == journal_before
    assert dana.queue.entry(team.waiting).signature_rows == 0
    assert len(dana.services.audit.load_all()) == audit_before
    # What Ben did before still verifies, on either desktop.
    for desk in (dana, ben):
        entry = desk.queue.entry(team.approved)
        assert entry.signers == (ben_address,) and entry.valid_signatures == 1 and not entry.flagged
    [approval] = [e for e in dana.services.audit.load_all()
                  if e.action == actions.APPROVE and e.subject == team.approved]
    assert approval.actor == ben_address and approval.actor_label == BEN
    assert approval.signature is not None and recover_entry_signer(approval.entry_hash, approval.signature) == \
        ben_address
    [proposal] = [e for e in dana.services.audit.load_all()
                  if e.action == actions.PROPOSE and e.subject == team.approved]
    assert proposal.actor == dana.names[DANA]
    report = dana.services.audit.verify()
    assert report.intact, report.describe()
    # Reinstated, the same desktop approves at once.
    team.admin(f'GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{team.role}"')
    try:
        assert ben.approve(team.waiting, BEN).signers == (ben_address,)
    finally:
        team.admin(f'REVOKE INSERT, UPDATE ON ALL TABLES IN SCHEMA public FROM "{team.role}"')


def test_J7_the_revoked_desktop_is_told_in_plain_words(team: Team) -> None:
    fresh = team.dana.propose(250).safe_tx_hash  # not yet approved by Ben (the test above reinstated him once)
    with pytest.raises(WalletError) as refused:
        team.ben.approve(fresh, BEN)
    assert "INSERT INTO" not in refused.value.user_message
    assert "permission" in refused.value.user_message.lower() or "revoked" in refused.value.user_message.lower()

