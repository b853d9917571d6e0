"""Proof of ownership of a contract wallet (EIP-1271, issue 16): a Safe on the demo's devnet answers the challenge
with its owners' signatures, checked at a pinned block; one signature short of its threshold is refused. On anvil,
contracts that answer wrongly (SECURITY L4's fixtures) are refused: one that accepts anything, one that reverts, one
that answers a value other than the magic 0x1626ba7e. Nothing is recorded as proven by a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from tests.support.demo_template import copy_demo
from tests.support.solidity import compile_contracts, deploy
from wallet_app.audit.log import AuditLog
from wallet_app.compliance.challenge_text import eip191_hash
from wallet_app.compliance.counterparties import CounterpartyBook, NewCounterparty
from wallet_app.compliance.ownership import OwnershipDesk, ProofRefused
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.profiles import open_profile
from wallet_app.safe.messages import safe_message_hashes
from wallet_app.services import build_services
from wallet_app.storage.database import open_database, sqlite_url

WALLET_OWNER = NewCounterparty("Contract Wallet Ltd", "legal", "RAID", "CR-1271", "HK", geo_address="Hong Kong")


def test_a_safe_proves_ownership_with_its_owners_signatures(tmp_path: Path) -> None:
    home = copy_demo(tmp_path / "home")
    profile = open_profile(home, "demo")
    services = build_services(profile)
    try:
        vault = next(v for v in services.vaults.fetch_vaults() if v.label == "Harbour client vault")
        keys = {k.label: k.address for k in services.keys.load_keys()}
        owners = [Account.from_key(decrypt_keystore(load_keystore_file(
            profile.paths.keystores / f"{keys[name]}.json"), DEMO_PASSWORD))
            for name in ("Alice Chan (officer)", "Ben Wong (officer)")]
        book, desk = services.compliance.counterparties, services.compliance.ownership
        book.add(WALLET_OWNER, actor="operator")
        book.add_address(WALLET_OWNER.name, vault.address, actor="operator")

        def safe_signatures(text: str, signers: list[object]) -> str:
            message = safe_message_hashes(vault.address, profile.config.chain_id, vault.version,
                                          eip191_hash(text)).safe_tx_hash
            ordered = sorted(signers, key=lambda a: int(a.address, 16))  # type: ignore[attr-defined]
            return "0x" + b"".join(bytes(a.unsafe_sign_hash(message).signature) for a in ordered).hex()  # type: ignore[attr-defined]

        challenge = desk.issue_signature_challenge(vault.address, actor="operator")
        with pytest.raises(ProofRefused, match="did not answer the EIP-1271 magic value"):
            desk.prove_by_signature(challenge.nonce, safe_signatures(challenge.text, owners[:1]), actor="operator")
        assert book.owner_of(vault.address)[1].proof is None  # type: ignore[index]
        stranger = safe_signatures(challenge.text, [Account.create(), Account.create()])
        with pytest.raises(ProofRefused, match="EIP-1271"):
            desk.prove_by_signature(challenge.nonce, stranger, actor="operator")
        proof = desk.prove_by_signature(challenge.nonce, safe_signatures(challenge.text, owners), actor="operator")
        assert proof.kind == "eip1271" and proof.detail["block_hash"].startswith("0x")
        assert book.owner_of(vault.address)[1].proof.kind == "eip1271"  # type: ignore[index,union-attr]
    finally:
        services.close()
        profile.close()


def test_contract_wallets_that_answer_wrongly_prove_nothing(anvil_url: str, tmp_path: Path) -> None:
    from wallet_app.chain.connect import http_client

    compiled = compile_contracts("SignatureValidatorFixtures.sol")
    chain = http_client(anvil_url, "anvil")
    engine = open_database(sqlite_url(tmp_path / "custos.db"))
    audit = AuditLog(engine=engine, host="test", chain_id=chain.fetch_chain_id())
    book = CounterpartyBook(engine=engine, chain_id=chain.fetch_chain_id(), audit=audit)
    book.add(WALLET_OWNER, actor="operator")
    desk = OwnershipDesk(book=book, chain=chain, audit=audit, institution="Harbour Custody Ltd", confirmations=1,
                         vaults=set)
    answers = {"AlwaysValid": "accepts anything", "AlwaysReverts": "did not answer the EIP-1271 magic value",
               "NotMagic": "did not answer the EIP-1271 magic value"}
    for name, refusal in answers.items():
        wallet = deploy(anvil_url, compiled[name]).address
        book.add_address(WALLET_OWNER.name, wallet, actor="operator")
        challenge = desk.issue_signature_challenge(wallet, actor="operator")
        signature = "0x" + bytes(Account.create().unsafe_sign_hash(eip191_hash(challenge.text)).signature).hex()
        with pytest.raises(ProofRefused, match=refusal):
            desk.prove_by_signature(challenge.nonce, signature, actor="operator")
        assert book.owner_of(wallet)[1].proof is None  # type: ignore[index]
    assert [e.action for e in audit.load_all()].count("ownership_refused") == 3
    engine.dispose()
