"""A bundle as QR code parts: round trip in any order, and every damaged or mixed set refused with a reason."""

from __future__ import annotations

import random

import pytest

from wallet_app.proofs.errors import UnusableInput
from wallet_app.proofs.qr_parts import PART_CHARS, bundle_parts, join_parts

BUNDLE = {"format": "custos.proof-bundle", "claims": [{"text": f"claim {i}", "blob": random.Random(i).randbytes(300)
                                                       .hex()} for i in range(40)]}


def test_a_large_bundle_splits_into_alphanumeric_parts_that_join_in_any_order() -> None:
    parts = bundle_parts(BUNDLE)
    assert len(parts) > 3
    allowed = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert all(set(p) <= allowed and len(p.split(":")[-1]) <= PART_CHARS for p in parts)
    shuffled = parts[:]
    random.Random(1).shuffle(shuffled)
    assert join_parts(shuffled) == join_parts(parts)
    import json

    assert json.loads(join_parts(parts)) == BUNDLE


def test_missing_mixed_misread_and_foreign_codes_are_refused() -> None:
    parts = bundle_parts(BUNDLE)
    other = bundle_parts({**BUNDLE, "format": "another"})
    with pytest.raises(UnusableInput, match="parts 2 of"):
        join_parts([parts[0], *parts[2:]])
    with pytest.raises(UnusableInput, match="more than one proof"):
        join_parts([parts[0], other[1]])
    damaged = parts[1][:-1] + ("A" if parts[1][-1] != "A" else "B")
    with pytest.raises(UnusableInput, match="do not match their digest"):
        join_parts([parts[0], damaged, *parts[2:]])
    for text in ("hello", "UR:BYTES/ABC", "CUSTOS-PROOF:0/1:ABCDEF12:AA"):
        with pytest.raises(UnusableInput):
            join_parts([text])
    with pytest.raises(UnusableInput, match="no Custos proof code"):
        join_parts([])
