"""Importing a Safe transaction made elsewhere into the queue (issue 6, bad input): the fields are checked strictly,
a stated safeTxHash must be the one Custos computes, and each co-signer's signature counts only when it verifies for
this vault now. A malformed file, or a signature for another chain or vault, changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from eth_account import Account

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture: this module's own demo)
from tests.integration.test_policy_recheck_demo import (  # noqa: F401  (fixtures)
    ALICE,
    BEN,
    CLIENT_VAULT,
    DANA,
    HKDH,
    KOWLOON,
    Desk,
    desk,
    fresh_demo,
)
from wallet_app.demo.institution import HKD
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.queue.importing import ImportFormatError, import_transaction, parse_transaction_file
from wallet_app.queue.service import QueueError


def payout_tx(desk: Desk, nonce: int, *, chain_id: int | None = None) -> SafeTx:
    vault = desk.vault(CLIENT_VAULT)
    return SafeTx(safe=vault.address, chain_id=chain_id or desk.profile.config.chain_id, version=vault.version,
                  to=desk.names[HKDH], value=0, operation=Operation.CALL, nonce=nonce,
                  data=build_call("transfer(address,uint256)", desk.names[KOWLOON], 1_000 * HKD))


def signature_of(desk: Desk, label: str, tx: SafeTx) -> str:
    signed = Account.unsafe_sign_hash(compute_hashes(tx).safe_tx_hash, desk.officer(label).key)
    return "0x" + signed.signature.hex().removeprefix("0x")


def service_file(tx: SafeTx, confirmations: list[dict[str, str]], stated: str | None = None) -> bytes:
    """A transaction as the Safe Transaction Service serves it (camelCase, numbers as text)."""
    return json.dumps({
        "safe": tx.safe, "to": tx.to, "value": str(tx.value), "data": "0x" + tx.data.hex(), "operation": 0,
        "safeTxGas": "0", "baseGas": "0", "gasPrice": "0", "gasToken": "0x" + "0" * 40,
        "refundReceiver": "0x" + "0" * 40, "nonce": tx.nonce,
        "safeTxHash": stated or "0x" + compute_hashes(tx).safe_tx_hash.hex(), "confirmations": confirmations,
    }).encode()


def dana(desk: Desk) -> KeystoreSigner:
    return KeystoreSigner(address=desk.names[DANA], private_key=desk.officer(DANA).key)


def test_a_service_transaction_with_a_good_and_a_foreign_signature(desk: Desk) -> None:
    queue = desk.services.queue
    tx = payout_tx(desk, queue.next_nonce(desk.names[CLIENT_VAULT]))
    other_chain = replace(tx, chain_id=tx.chain_id + 1)
    raw = service_file(tx, [{"owner": desk.names[ALICE], "signature": signature_of(desk, ALICE, tx)},
                            {"owner": desk.names[BEN], "signature": signature_of(desk, BEN, other_chain)}])
    result = import_transaction(queue, raw, dana(desk))
    assert result.entry is not None and result.entry.safe_tx_hash == "0x" + compute_hashes(tx).safe_tx_hash.hex()
    assert result.accepted == (desk.names[ALICE],)
    assert len(result.refused) == 1 and result.refused[0].startswith(desk.names[BEN])
    assert result.entry.valid_signatures == 1 and result.entry.threshold == 2
    assert result.entry.item.proposer == desk.names[DANA] and result.entry.proposer_verified


def test_a_stated_hash_that_the_fields_do_not_give_queues_nothing(desk: Desk) -> None:
    queue = desk.services.queue
    before = [e.safe_tx_hash for e in queue.load()]
    tx = payout_tx(desk, queue.next_nonce(desk.names[CLIENT_VAULT]))
    forged = "0x" + compute_hashes(replace(tx, value=1)).safe_tx_hash.hex()  # the hash of another transaction
    with pytest.raises(QueueError, match="nothing was queued"):
        import_transaction(queue, service_file(tx, [], stated=forged), dana(desk))
    assert [e.safe_tx_hash for e in queue.load()] == before


@pytest.mark.parametrize(("content", "says"), [
    (b"\xff\xfe not text", "not JSON"),
    (b"[1, 2]", "one JSON object"),
    (b'{"safe_tx": 5}', "safe_tx must be an object"),
    (b'{"to": "0x0000000000000000000000000000000000000001", "nonce": 1}', "no safe"),
    ('{"safe": "0x9629bDF3112a5b33ab98D19c96c421311Bd281D3", "to": "0x00000000000000000000000000000000000000\u04301",'
     ' "nonce": 1}'.encode(), "not plain ASCII"),
    (b'{"safe": "0x9629bDF3112a5b33ab98D19c96c421311Bd281D3", "to": "0x0000000000000000000000000000000000000001",'
     b' "nonce": "1e3"}', "decimal digits"),
    (b'{"safe": "0x9629bDF3112a5b33ab98D19c96c421311Bd281D3", "to": "0x0000000000000000000000000000000000000001",'
     b' "nonce": 1, "data": "0xabc"}', "even number of hex digits"),
    (b'{"safe": "0x9629bDF3112a5b33ab98D19c96c421311Bd281D3", "to": "0x0000000000000000000000000000000000000001",'
     b' "nonce": 1, "operation": 2}', "operation must be 0"),
    (b'{"safe": "0x9629bDF3112a5b33ab98D19c96c421311Bd281D3", "to": "0x0000000000000000000000000000000000000001",'
     b' "nonce": 1, "signatures": [7]}', "each signature"),
    (b'{"safe": "0x9629bDF3112a5b33ab98D19c96c421311Bd281D3", "to": "0x0000000000000000000000000000000000000001",'
     b' "nonce": 1, "safeTxHash": "0x12"}', "64 hex digits"),
    (b" " * (1024 * 1024 + 1), "at most 1 MiB"),
])
def test_malformed_files_are_refused_with_a_reason(content: bytes, says: str) -> None:
    with pytest.raises(ImportFormatError, match=says):
        parse_transaction_file(content)


def test_a_custos_export_round_trips(desk: Desk) -> None:
    """What `custos safe queue --json` prints for an item is a file another desktop can import."""
    queue = desk.services.queue
    waiting = next(e for e in queue.load() if e.state == "approving")
    exported = json.dumps({**waiting.to_json(), "signatures": [
        {"owner": s, "signature": sig} for s, sig in ((desk.names[ALICE], signature_of(desk, ALICE,
                                                                                      waiting.item.safe_tx)),)]})
    parsed = parse_transaction_file(exported.encode())
    assert parsed.stated_hash == waiting.safe_tx_hash and parsed.request.nonce == waiting.item.nonce
    result = import_transaction(queue, exported.encode(), dana(desk))  # already queued: the same item, unchanged
    assert result.entry is not None and result.entry.safe_tx_hash == waiting.safe_tx_hash
    assert result.entry.valid_signatures == waiting.valid_signatures  # Alice had signed it already: one row each
