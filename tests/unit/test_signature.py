"""C6, C8: signatures leave a signer low-s, with the right recovery id, and only if they recover to its address."""

import os

import pytest
from eth_account import Account

from wallet_app.errors import SignerMismatch
from wallet_app.keys.signature import HALF_N, SECP256K1_N, finalize_signature

KEY = bytes.fromhex("4646464646464646464646464646464646464646464646464646464646464646")
ADDRESS = Account.from_key(KEY).address


def test_C6_high_s_is_normalised_and_the_recovery_id_recomputed() -> None:
    for _ in range(50):
        digest = os.urandom(32)
        signed = Account.unsafe_sign_hash(digest, KEY)
        high_s = SECP256K1_N - signed.s
        assert high_s > HALF_N
        sig = finalize_signature(digest, signed.r, high_s, ADDRESS)
        assert sig.s == signed.s <= HALF_N
        assert sig.v == signed.v
        assert Account._recover_hash(digest, signature=sig.to_bytes()) == ADDRESS


def test_C8_a_signature_from_another_key_is_refused() -> None:
    digest = os.urandom(32)
    other = Account.unsafe_sign_hash(digest, os.urandom(32))
    with pytest.raises(SignerMismatch, match="does not recover"):
        finalize_signature(digest, other.r, other.s, ADDRESS)


@pytest.mark.parametrize(("r", "s"), [(0, 1), (1, 0), (SECP256K1_N, 1), (1, SECP256K1_N)])
def test_out_of_range_values_are_refused(r: int, s: int) -> None:
    with pytest.raises(SignerMismatch):
        finalize_signature(bytes(32), r, s, ADDRESS)
