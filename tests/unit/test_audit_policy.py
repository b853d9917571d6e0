"""Policy governance in the audit log (M5): each proposal, approval and rejection by a key is an entry signed by that
key (EIP-191 over the entry hash) carrying the vote's own EIP-712 signature; the quorum, coming into force and stale
closures are Custos's (actor "system"); an approval signed elsewhere carries its vote signature only; token review
likewise. Written in the governance store's transactions; the voters' keys are locked again afterwards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.unit.test_policy_governance import (  # noqa: F401  (the world fixture is reused)
    ALICE,
    BEN,
    BEN_KEY,
    CARMEN,
    CHAIN_ID,
    PASSWORD,
    T0,
    V1,
    World,
    approval_vote,
    policy_text,
    sign_vote,
    world,
)
from wallet_app.audit import actions
from wallet_app.audit.entry import recover_entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.service import PolicyService
from wallet_app.policy.service_setup import policy_file_path

HOUR = timedelta(hours=1)


def audited(world: World) -> tuple[PolicyService, AuditLog]:
    audit = AuditLog(engine=world.profile.engine, host="desk", chain_id=CHAIN_ID, operator_label="tester")
    service = PolicyService(store=PolicyStore(engine=world.profile.engine, chain_id=CHAIN_ID, audit=audit),
                            load_owners=world.chain.load_owners, chain_id=CHAIN_ID,
                            active_file=ActivePolicyFile(policy_file_path(world.profile.paths)), keys=world.keys)
    return service, audit


def test_M5_policy_votes_are_signed_entries_and_the_rest_is_the_system(world: World) -> None:
    service, audit = audited(world)
    first = service.propose(V1, ALICE, PASSWORD, now=T0)
    assert service.approve(first.digest, BEN, PASSWORD, now=T0).state == "active"
    looser = service.propose(policy_text(version=2, limit="999999.00"), ALICE, PASSWORD, now=T0 + HOUR)
    service.approve(looser.digest, BEN, PASSWORD, now=T0 + HOUR)  # loosening: waits, quorum reached
    service.reject(looser.digest, CARMEN, PASSWORD, reason="not agreed", now=T0 + 2 * HOUR)
    assert world.keys.unlocked == {}  # each key locked again after its vote and its entry
    entries = audit.load_all()
    assert [(e.action, e.actor) for e in entries] == [
        (actions.POLICY_PROPOSE, ALICE), (actions.POLICY_APPROVE, BEN), (actions.POLICY_ACTIVE, actions.SYSTEM),
        (actions.POLICY_PROPOSE, ALICE), (actions.POLICY_APPROVE, BEN), (actions.POLICY_QUORUM, actions.SYSTEM),
        (actions.POLICY_REJECT, CARMEN)]
    for entry in entries:
        assert entry.subject in (first.digest, looser.digest)
        if entry.actor.startswith("0x"):  # signed by the voter over the entry, and the vote's signature kept
            assert entry.signature is not None
            assert recover_entry_signer(entry.entry_hash, entry.signature) == entry.actor
            assert entry.details()["action_signature"].startswith("0x")
        else:
            assert entry.signature is None
    assert entries[-1].details()["reason"] == f"rejected by {CARMEN}: not agreed"
    report = audit.verify()
    assert report.intact and report.signed == 5


def test_an_approval_signed_elsewhere_is_logged_with_its_vote_signature(world: World) -> None:
    service, audit = audited(world)
    draft = service.propose(V1, ALICE, PASSWORD, now=T0)
    good = sign_vote(BEN_KEY, approval_vote(draft.digest, 1, None, T0))
    assert service.submit_approval(draft.digest, BEN, good, T0, now=T0).state == "active"
    approval = next(e for e in audit.load_all() if e.action == actions.POLICY_APPROVE)
    assert approval.signature is None and approval.details()["action_signature"] == "0x" + good.hex()
    assert audit.verify().intact


def test_M5_token_add_approve_remove_are_entries_and_the_approval_is_signed(tmp_path: Path) -> None:
    from tests.unit.test_token_service import ALICE as OFFICER
    from tests.unit.test_token_service import (
        ALICE_KEY,
        DEED,
        SPAM,
        FakeKeys,
        make_chain,
    )
    from tests.unit.test_token_service import CHAIN_ID as TOKEN_CHAIN
    from tests.unit.test_token_service import PASSWORD as TOKEN_PASSWORD
    from wallet_app.holdings.registry import TokenRegistry
    from wallet_app.holdings.token_discovery import TokenScanner
    from wallet_app.holdings.token_service import TokenService
    from wallet_app.storage.database import open_database, sqlite_url

    engine = open_database(sqlite_url(tmp_path / "custos.db"))
    try:
        audit = AuditLog(engine=engine, host="desk", chain_id=TOKEN_CHAIN, operator_label="tester")
        chain, keys = make_chain(), FakeKeys({OFFICER: ALICE_KEY})
        service = TokenService(chain=chain, chain_id=TOKEN_CHAIN,  # type: ignore[arg-type]
                               registry=TokenRegistry(engine=engine, chain_id=TOKEN_CHAIN, audit=audit), keys=keys,
                               load_accounts=lambda: [], scanner=TokenScanner(chain=chain))  # type: ignore[arg-type]
        service.add_token(SPAM)
        service.add_token(DEED)
        approval = service.approve_token(SPAM, OFFICER, TOKEN_PASSWORD)
        service.remove_token(DEED)
        entries = audit.load_all()
        assert [(e.action, e.actor, e.subject) for e in entries] == [
            (actions.TOKEN_ADD, actions.OPERATOR, SPAM), (actions.TOKEN_ADD, actions.OPERATOR, DEED),
            (actions.TOKEN_APPROVE, OFFICER, SPAM), (actions.TOKEN_REMOVE, actions.OPERATOR, DEED)]
        approved = entries[2]
        assert approved.signature is not None and recover_entry_signer(approved.entry_hash,
                                                                      approved.signature) == OFFICER
        assert approved.details()["action_signature"] == "0x" + approval.signature.hex()
        assert entries[0].details()["symbol"] == "HKD\u041d" and entries[0].details()["source"] == "added"
        assert keys.unlocked == {} and audit.verify().intact
    finally:
        engine.dispose()
