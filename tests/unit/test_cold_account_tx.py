"""An account vault's transfer (EIP-1559) and its approvals (EIP-712), cross-checked against eth-account, which
builds and signs both its own way; and every malformed transaction or approval refused in words (issue 15)."""

from __future__ import annotations

import pytest
import rlp
from eth_account import Account
from eth_account.messages import encode_typed_data
from hypothesis import given
from hypothesis import strategies as st

from wallet_app.cold.approval import AccountApproval, ApprovalRefused, count_approvals, recover_approver
from wallet_app.domain.account_tx import AccountTx, AccountTxError, parse_unsigned
from wallet_app.domain.addresses import to_checksum
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.policy.vault_section import PolicyVault

VAULT_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
VAULT = Account.from_key(VAULT_KEY).address
KEYS = [bytes([n]) * 32 for n in (1, 2, 3, 4)]
ALICE, BEN, CARMEN, MALLORY = (Account.from_key(k).address for k in KEYS)
RECIPIENT = to_checksum("0x" + "ab" * 20)
COLD = PolicyVault(VAULT, "Cold vault", "account", "cold", True, (ALICE, BEN, CARMEN), 2)


def sample(**changes: object) -> AccountTx:
    fields: dict[str, object] = dict(chain_id=177, nonce=7, to=RECIPIENT, value=10**18,
                                     data=bytes.fromhex("a9059cbb") + bytes(64), gas=90_000,
                                     max_fee_per_gas=3 * 10**9, max_priority_fee_per_gas=10**9)
    fields.update(changes)
    return AccountTx(**fields)  # type: ignore[arg-type]


def eth_account_dict(tx: AccountTx) -> dict[str, object]:
    return {"type": 2, "chainId": tx.chain_id, "nonce": tx.nonce, "to": tx.to, "value": tx.value, "data": tx.data,
            "gas": tx.gas, "maxFeePerGas": tx.max_fee_per_gas, "maxPriorityFeePerGas": tx.max_priority_fee_per_gas,
            "accessList": []}


@given(nonce=st.integers(0, 2**64), value=st.integers(0, 2**256 - 1), data=st.binary(max_size=200),
       tip=st.integers(0, 10**12), extra=st.integers(0, 10**12))
def test_signing_hash_and_signed_bytes_match_eth_account(nonce: int, value: int, data: bytes, tip: int,
                                                         extra: int) -> None:
    tx = sample(nonce=nonce, value=value, data=data, max_priority_fee_per_gas=tip, max_fee_per_gas=tip + extra)
    theirs = Account.sign_transaction(eth_account_dict(tx), VAULT_KEY)
    signer = KeystoreSigner(address=VAULT, private_key=VAULT_KEY)
    signature = signer.sign_digest(tx.signing_hash())
    ours = tx.signed_bytes(signature.recovery_id, signature.r, signature.s)
    assert ours == bytes(theirs.raw_transaction)
    assert parse_unsigned(tx.unsigned_bytes()) == tx


@pytest.mark.parametrize(("raw", "why"), [
    (b"", "not an EIP-1559"), (b"\x01\xc0", "not an EIP-1559"), (b"\x02\xff\xff", "damaged"),
    (b"\x02" + rlp.encode([1, 2, 3]), "has 9 fields"),
    (b"\x02" + rlp.encode([177, 0, 1, 2, 21000, b"", 0, b"", []]), "contract creation"),
    (b"\x02" + rlp.encode([177, 0, 1, 2, 21000, b"\x11" * 20, 0, b"", [[b"\x11" * 20, []]]]), "access list"),
    (b"\x02" + rlp.encode([b"\x00\xb1", 0, 1, 2, 21000, b"\x11" * 20, 0, b"", []]), "canonical whole number"),
    (b"\x02" + rlp.encode([0, 0, 1, 2, 21000, b"\x11" * 20, 0, b"", []]), "must name its chain"),
    (b"\x02" + rlp.encode([177, 0, 3, 2, 21000, b"\x11" * 20, 0, b"", []]), "priority fee is above"),
    (b"\x02" + rlp.encode([177, 0, 1, 2, 21000, b"\x11" * 20, 0, b"", []]) + b"\x00", "damaged"),
])
def test_a_malformed_unsigned_transaction_is_refused_in_words(raw: bytes, why: str) -> None:
    with pytest.raises(AccountTxError) as caught:
        parse_unsigned(raw)
    assert why in caught.value.user_message


def approval_for(tx: AccountTx, digest: bytes = b"\x42" * 32) -> AccountApproval:
    return AccountApproval(chain_id=tx.chain_id, vault=VAULT, tx_hash=tx.signing_hash(), nonce=tx.nonce,
                           policy_digest=digest)


def sign(approval: AccountApproval, key: bytes) -> bytes:
    return bytes(Account.sign_typed_data(key, full_message=approval.typed_data()).signature)


def test_the_approval_digest_is_eip712_as_eth_account_computes_it() -> None:
    approval = approval_for(sample())
    signable = encode_typed_data(full_message=approval.typed_data())
    assert b"\x19\x01" + signable.header + signable.body == b"\x19\x01" + approval.domain_separator() + \
        approval.struct_hash()
    assert recover_approver(approval, sign(approval, KEYS[0])) == ALICE


def test_approvals_count_distinct_policy_approvers_only() -> None:
    approval = approval_for(sample())
    ok = [(ALICE, sign(approval, KEYS[0])), (CARMEN, sign(approval, KEYS[2]))]
    assert count_approvals(COLD, approval, ok) == (ALICE, CARMEN)
    refusals = [
        ([(MALLORY, sign(approval, KEYS[3]))], "is not an approver"),
        ([(ALICE, sign(approval, KEYS[1]))], f"said to be {ALICE}'s was signed by {BEN}"),
        ([*ok, (ALICE, sign(approval, KEYS[0]))], "approved twice"),
        ([(ALICE, b"\x00" * 64)], "65 bytes"),
        ([(ALICE, sign(approval, KEYS[0])[:64] + b"\x01")], "malformed"),
    ]
    for signatures, why in refusals:
        with pytest.raises(ApprovalRefused) as caught:
            count_approvals(COLD, approval, signatures)
        assert why in caught.value.user_message


def test_an_approval_is_bound_to_its_transaction_nonce_policy_vault_and_chain() -> None:
    tx = sample()
    approval = approval_for(tx)
    signature = sign(approval, KEYS[0])
    others = [approval_for(sample(value=tx.value + 1)), approval_for(tx, b"\x43" * 32),
              AccountApproval(tx.chain_id, VAULT, tx.signing_hash(), tx.nonce + 1, b"\x42" * 32),
              AccountApproval(133, VAULT, tx.signing_hash(), tx.nonce, b"\x42" * 32),
              AccountApproval(tx.chain_id, RECIPIENT, tx.signing_hash(), tx.nonce, b"\x42" * 32)]
    for other in others:
        assert recover_approver(other, signature) != ALICE
    with pytest.raises(ApprovalRefused, match="not this policy's account vault"):
        count_approvals(COLD, others[-1], [(ALICE, signature)])
