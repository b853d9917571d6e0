"""SLIP-39 shares of a cold vault's key: every test vector published with `shamir-mnemonic` (tests/vectors/slip39),
and the refusals a key ceremony meets (issue 15: too few, foreign, duplicated or mistyped shares)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wallet_app.cold.shares import ShareError, join_shares, new_private_key, share_info, split_key

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "slip39" / "vectors.json").read_text())


@pytest.mark.parametrize("description, mnemonics, secret", [(v[0], v[1], v[2]) for v in VECTORS],
                         ids=[v[0].split(".")[0] for v in VECTORS])
def test_the_published_vectors(description: str, mnemonics: list[str], secret: str) -> None:
    if secret:
        assert join_shares(mnemonics, passphrase=b"TREZOR").hex() == secret
    else:
        with pytest.raises(ShareError) as refused:
            join_shares(mnemonics, passphrase=b"TREZOR")
        assert not any(word in refused.value.user_message for m in mnemonics for word in m.split()[:4] if len(word) > 4)


def test_a_key_split_two_of_three_rebuilds_from_any_two() -> None:
    key = new_private_key()
    shares = split_key(key, 2, 3)
    infos = [share_info(s) for s in shares]
    assert len({i.identifier for i in infos}) == 1 and [i.index for i in infos] == [0, 1, 2]
    for pair in ((0, 1), (0, 2), (1, 2)):
        assert join_shares([shares[pair[0]], shares[pair[1]]], identifier=infos[0].identifier) == key
    assert join_shares([shares[2].upper(), "  " + shares[0] + "\n"]) == key  # case and spacing do not matter


def test_refusals() -> None:
    key = new_private_key()
    shares = split_key(key, 2, 3)
    identifier = share_info(shares[0]).identifier
    with pytest.raises(ShareError, match="1 share given; 2 are needed"):
        join_shares(shares[:1], identifier=identifier)
    with pytest.raises(ShareError, match="given twice"):
        join_shares([shares[0], shares[0]], identifier=identifier)
    other = split_key(key, 2, 3)  # the same key split again: another set
    if share_info(other[0]).identifier != identifier:
        with pytest.raises(ShareError, match="another share set"):
            join_shares([shares[0], other[1]], identifier=identifier)
    words = shares[1].split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with pytest.raises(ShareError, match="mistyped") as mistyped:
        join_shares([shares[0], " ".join(words)])
    assert shares[0].split()[0] not in mistyped.value.user_message
    with pytest.raises(ShareError):
        split_key(key, 1, 3)
    with pytest.raises(ShareError):
        split_key(key, 4, 3)
    with pytest.raises(ShareError):
        split_key(key[:31], 2, 3)
