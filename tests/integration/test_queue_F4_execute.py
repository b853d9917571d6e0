"""SECURITY F4 at execution: a vault whose singleton was swapped after its transactions were approved (the Bybit
pattern: the owners signed a DELEGATECALL that rewrote slot 0) is refused at execution, before anything is claimed or
signed; approving is refused the same way."""

from __future__ import annotations

import pytest
from eth_account import Account

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture: this module's own demo)
from tests.integration.test_policy_recheck_demo import (  # noqa: F401  (fixtures)
    ALICE,
    BEN,
    CARMEN,
    CLIENT_VAULT,
    Desk,
    desk,
    fresh_demo,
)
from tests.integration.test_policy_simulation import compile_fixtures
from tests.integration.test_vault_add_deploy import ATTACKER
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.demo.deployer import Deployer
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation, SafeTx, build_exec_transaction, compute_hashes, pack_signatures
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.vaults.inspect import VaultSigningBlocked


def swap_singleton(desk: Desk) -> None:
    """Alice and Ben execute, outside Custos, the DELEGATECALL that writes the attacker's address into slot 0."""
    chain, chain_id = desk.services.chain, desk.profile.config.chain_id
    vault = desk.vault(CLIENT_VAULT)
    keys = [desk.officer(ALICE).key, desk.officer(BEN).key]
    code, abi = compile_fixtures()["SingletonSwapper"]
    swapper = Deployer(chain, chain_id, keys[0]).deploy(code, abi)
    tx = SafeTx(safe=vault.address, chain_id=chain_id, version=vault.version, to=swapper, value=0,
                data=build_call("transfer(address,uint256)", ATTACKER, 0), operation=Operation.DELEGATECALL,
                nonce=vault.nonce, safe_tx_gas=45_746)
    digest = compute_hashes(tx).safe_tx_hash
    signatures = {}
    for key in keys:
        signed = Account.unsafe_sign_hash(digest, key)
        signatures[Account.from_key(key).address] = (signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big")
                                                     + bytes([signed.v]))
    sign_and_send(chain, keys[0], chain_id, OutgoingTx(to=vault.address, data=build_exec_transaction(
        tx, pack_signatures(signatures))))
    assert chain.fetch_storage_at(vault.address, 0)[-20:] == bytes.fromhex(ATTACKER[2:])


def test_F4_a_vault_taken_over_after_approval_is_refused_at_execution_before_anything_is_signed(desk: Desk) -> None:
    queue = desk.services.queue
    ready = next(e for e in queue.load(desk.names[CLIENT_VAULT]) if e.state == "ready")
    waiting = next(e for e in queue.load(desk.names[CLIENT_VAULT]) if e.state == "approving")
    journal_before = queue._journal.entries()
    swap_singleton(desk)
    alice = KeystoreSigner(address=desk.names[ALICE], private_key=desk.officer(ALICE).key)
    with pytest.raises(VaultSigningBlocked, match="signing is blocked for this vault"):
        queue.execute_with(ready.safe_tx_hash, alice)
    carmen = KeystoreSigner(address=desk.names[CARMEN], private_key=desk.officer(CARMEN).key)
    with pytest.raises(VaultSigningBlocked):
        queue.approve_with(waiting.safe_tx_hash, carmen)
    assert not queue.store.load_broadcasts(ready.safe_tx_hash)  # nothing stored to send for it
    assert queue._journal.entries() == journal_before  # nothing signed, nothing even asked of a signer
    after = queue.entry(ready.safe_tx_hash).item
    assert after.claim_token is None and after.state in ("ready", "approving", "stale")
