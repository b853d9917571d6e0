"""The parts of offline signing that need no chain: anchored vaults and their fingerprint, the carried facts and the
online check as they travel, the frames of a request and the reader that collects them (K4), and transport files
(K5)."""

from __future__ import annotations

import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from wallet_app.config import ProfileConfig
from wallet_app.holdings.model import FxRate, Price, Standard
from wallet_app.offline.online_check import OnlineCheck, OnlineCheckError
from wallet_app.offline.transport import Animation, RequestReader, TransportError, frames, read_text_file
from wallet_app.policy.carried_facts import CarriedFacts, SpendingRecorder
from wallet_app.policy.facts import HolderStatus, PermissionedToken, SimulationOutcome
from wallet_app.profiles import create_profile
from wallet_app.storage.schema import offline_vaults
from wallet_app.ur.errors import URError
from wallet_app.ur.eth_requests import DATA_TYPE_TYPED_DATA, EthSignRequest
from wallet_app.ur.keypath import parse_path
from wallet_app.ur.ur import UR
from wallet_app.vaults.anchors import HOW_TYPED, AnchorError, AnchorStore, vault_facts

VAULT = "0x62cffD175226D795307E97Aa45e53c4B45027802"
OWNERS = ("0x56AEFd8AeC4AfEd0737DC6205548e59F7C1Ff8aD", "0x25EfE7a6b39A8835c4916de7F10b9DD87c952977",
          "0xdf33094135EE60FC1C3f465C39577a2C9eA91836")
TOKEN = "0x2e6845eCeDfc762F620FFc50c0d384c4156bBccf"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_fingerprint_depends_on_every_fact_but_the_label_and_owner_order() -> None:
    base = vault_facts(133, VAULT, "1.4.1", OWNERS, 2, "client")
    assert base.fingerprint == vault_facts(133, VAULT, "1.4.1", tuple(reversed(OWNERS)), 2, "other").fingerprint
    for changed in (vault_facts(177, VAULT, "1.4.1", OWNERS, 2), vault_facts(133, VAULT, "1.3.0", OWNERS, 2),
                    vault_facts(133, VAULT, "1.4.1", OWNERS, 3), vault_facts(133, VAULT, "1.4.1", OWNERS[:2], 2)):
        assert changed.fingerprint != base.fingerprint
    assert len(base.fingerprint_words.split()) == 5


@pytest.mark.parametrize("owners, threshold, message", [
    ((), 1, "from 1 to"), ((OWNERS[0], OWNERS[0]), 1, "twice"), (OWNERS, 0, "threshold"), (OWNERS, 4, "threshold"),
    ((VAULT,), 1, "its own owner"),
])
def test_vault_facts_refusals(owners: tuple[str, ...], threshold: int, message: str) -> None:
    with pytest.raises(AnchorError, match=message):
        vault_facts(133, VAULT, "1.4.1", owners, threshold)


def test_anchored_once_and_an_edited_row_is_refused(tmp_path: Path) -> None:
    profile = create_profile(tmp_path, ProfileConfig(name="signer", network="hashkey-testnet", chain_id=133,
                                                     offline=True))
    store = AnchorStore(engine=profile.engine, chain_id=133)
    store.anchor(vault_facts(133, VAULT, "1.4.1", OWNERS, 2, "client"), how=HOW_TYPED)
    assert store.owner_reader()(VAULT) == (OWNERS, 2)
    assert [v.address for v in profile.load_known_vaults()] == [VAULT]
    with pytest.raises(AnchorError, match="anchored already"):
        store.anchor(vault_facts(133, VAULT, "1.4.1", OWNERS, 1), how=HOW_TYPED)
    with pytest.raises(AnchorError, match="chain 177"):
        store.anchor(vault_facts(177, OWNERS[0], "1.4.1", OWNERS[1:], 1), how=HOW_TYPED)
    with profile.engine.begin() as conn:
        conn.execute(update(offline_vaults).values(threshold=1))
    with pytest.raises(AnchorError, match="edited outside Custos"):
        store.require(VAULT)
    profile.close()


def carried() -> CarriedFacts:
    fx = FxRate(value=78_000, decimals=4, currency="USD", source="FX feed", updated_at=NOW, stale=False)
    price = Price(value=1_020_000, decimals=6, currency="USD", source="NAV feed", updated_at=NOW, stale=False, fx=fx)
    token = PermissionedToken(paused=False, holders={OWNERS[0]: HolderStatus(frozen=False, free_balance=5,
                                                                             verified=True)},
                              can_transfer={(VAULT, OWNERS[1], 10): True})
    recorder = SpendingRecorder(now=NOW, hkd=lambda vault, since: 1_000, amount=lambda vault, asset, since: None)
    recorder.spent_hkd(VAULT, NOW - timedelta(hours=24))
    recorder.spent_amount(VAULT, TOKEN, NOW - timedelta(hours=1))
    return CarriedFacts(prices={TOKEN: price, "native": None}, permissioned={TOKEN: token},
                        code_hashes={OWNERS[2]: b"\x01" * 32, OWNERS[1]: None},
                        simulation=SimulationOutcome(reverted=False, changed=("a",), changed_fields=frozenset({"x"})),
                        spent_hkd=recorder.hkd_answers, spent_amount=recorder.amount_answers, vault_nonce=4,
                        denylist=frozenset({OWNERS[1]}), standards={TOKEN: Standard.ERC3643})


def test_carried_facts_survive_the_trip_and_replay_by_window_length() -> None:
    facts = carried()
    back = CarriedFacts.from_json(facts.to_json())
    assert back == facts
    later = NOW + timedelta(minutes=7)  # the offline clock differs; the windows are the same lengths
    replay = back.replay(later)
    assert replay["spent_hkd"](VAULT, later - timedelta(hours=24)) == 1_000
    assert replay["spent_hkd"](VAULT, later - timedelta(hours=2)) is None  # a window not asked online: unknown
    assert replay["spent_amount"](VAULT, TOKEN, later - timedelta(hours=1)) is None


def check(request_id: uuid.UUID) -> OnlineCheck:
    return OnlineCheck(request_id=request_id, safe_tx_hash=b"\x02" * 32, chain_id=133, safe=VAULT, nonce=3,
                       block_number=99, block_hash=b"\x03" * 32, checked_at=NOW, decision="allow",
                       rules=(("chain", "pass"),), policy_digest="0x" + "ab" * 32, policy_version=2,
                       proposer=OWNERS[0], approvers=(OWNERS[0], OWNERS[1]),
                       simulation="simulated", facts=carried())


def test_online_check_round_trip_and_refusals() -> None:
    original = check(uuid.uuid4())
    assert OnlineCheck.from_cbor(original.to_cbor()) == original
    with pytest.raises(OnlineCheckError):
        OnlineCheck.from_cbor(original.to_cbor()[:-3])
    with pytest.raises(OnlineCheckError):
        OnlineCheck.from_cbor(original.to_cbor().replace(b'"allow"', b'"maybe"'))


def sign_request(request_id: uuid.UUID, size: int = 3000) -> EthSignRequest:
    body = b'{"types":{},"pad":"' + b"x" * size + b'"}'
    return EthSignRequest(request_id=request_id, sign_data=body, data_type=DATA_TYPE_TYPED_DATA, chain_id=133,
                          derivation_path=parse_path("m/44'/60'/0'/0/0"), address=bytes.fromhex(OWNERS[1][2:]),
                          origin="Custos")


def urs(request_id: uuid.UUID) -> list[UR]:
    return [UR("eth-sign-request", sign_request(request_id).to_cbor()), UR("custos-check", check(request_id).to_cbor())]


@pytest.mark.parametrize("seed", range(5))
def test_K4_frames_in_any_order_with_losses_and_repeats(seed: int) -> None:
    animation = Animation(urs(uuid.uuid4()), 150)
    rng = random.Random(seed)
    reader = RequestReader()
    shown = 0
    while not reader.is_complete and shown < 20 * animation.cycle_length:
        batch = [animation.next_frame() for _ in range(8)]
        shown += len(batch)
        kept = [f for f in batch if rng.random() > 0.3]  # 30% lost
        kept += rng.sample(kept, min(2, len(kept)))  # some read twice
        rng.shuffle(kept)  # and out of order
        for frame in kept:
            reader.receive(frame)
            assert 0.0 <= reader.progress <= 1.0
    assert reader.is_complete
    read = reader.result()
    assert read.check is not None and read.check.request_id == read.sign_request.request_id


def test_K4_two_requests_mixed_are_refused() -> None:
    first, second = frames(urs(uuid.uuid4()), 150), frames(urs(uuid.uuid4()), 150)
    reader = RequestReader()
    reader.receive(first[0])
    with pytest.raises(URError, match="belongs to another message"):
        for frame in second:
            reader.receive(frame)
    assert not reader.is_complete


def test_K4_a_foreign_ur_and_garbage_frames() -> None:
    reader = RequestReader()
    with pytest.raises(TransportError, match="type 'bytes'"):
        reader.receive("ur:bytes/hdeymejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmhhpktpmsrjtgwdpfnsboxgwlbaawzuefywkdplrsrjynbvygabwjldapfcsdwkbrkch")
    with pytest.raises(TransportError, match="not a UR"):
        reader.receive("hello")
    with pytest.raises(TransportError, match="too long"):
        reader.receive("ur:eth-sign-request/" + "a" * 200_000)
    assert reader.progress == 0.0


def test_K5_transport_files(tmp_path: Path) -> None:
    good = tmp_path / "req.txt"
    good.write_text("UR:A/B\n")
    assert read_text_file(good, "request file") == ["UR:A/B"]
    link = tmp_path / "link.txt"
    link.symlink_to(good)
    with pytest.raises(TransportError, match="symbolic link"):
        read_text_file(link, "request file")
    with pytest.raises(TransportError, match="not a regular file"):
        read_text_file(tmp_path, "request file")
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(5 * 1024 * 1024)
    with pytest.raises(TransportError, match="at most"):
        read_text_file(big, "request file")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(TransportError, match="not UTF-8"):
        read_text_file(binary, "request file")
    with pytest.raises(TransportError, match="could not be read"):
        read_text_file(tmp_path / ".." / "missing" / "x", "request file")
    assert os.path.exists(good)
