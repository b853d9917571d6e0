"""Decode throughput of Custos's BC-UR decoder against the reference JavaScript decoder, and the QR frames a sign
request needs.

Throughput, same run, same parts: Custos's `wallet_app.ur.ur.URDecoder` in this process against @ngraveio/bc-ur's
`URDecoder` in Node (tests/support/node_ur.mjs, op bench_decode: the time is taken inside Node, so its process start
and module loading are not counted). Two eth-sign-requests of EIP-712 typed data of a SafeTx on chain 133: a typical
one (a 3-transfer batch, about 2 KB of CBOR) and a large one (a 100-transfer MultiSend, about 30 KB), each cut into
FRAGMENT-byte fragments (200, Custos's default frame size), and each read from two streams: the first sequence in
order (plain fragments only) and a stream with 30% of the frames lost (fountain parts to solve). One decode reads
parts until the decoder completes; a round is REPEAT decodes after a warm-up one; MB/s is CBOR bytes (10^6 a MB) per
second, median of ROUNDS rounds; the ratio is Custos's rate over the reference's ("parts read" is Custos's count
over the reference's: a decoder that solves sooner reads fewer of the lossy stream).

Frames: how many frames of the animated QR code a reader must be shown until it holds the whole request, at the
default frame size, with no loss and with each frame lost with probability LOSS = 0.3 (seeded `random.Random`, TRIALS
trials: median and worst), from the app's own endless animation (`wallet_app.offline.transport.Animation`: the
eth-sign-request and Custos's custos-check with the online decision and its chain facts, read by `RequestReader`);
and the seconds that takes at the app's default speed (DEFAULT_FRAMES_PER_SECOND, 4).

Environment: BENCH_ROUNDS (default 3), BENCH_UR_REPEAT (default 20), BENCH_UR_TRIALS (default 20). Needs node and
`make node-deps`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.transport import DEFAULT_FRAGMENT, DEFAULT_FRAMES_PER_SECOND, Animation, RequestReader
from wallet_app.policy.carried_facts import CarriedFacts
from wallet_app.ur.eth_types import DATA_TYPE_TYPED_DATA, EthSignRequest, parse_path
from wallet_app.ur.ur import UR, URDecoder, UREncoder

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.support, shared with the integration tests

from tests.support.node_ur import (  # noqa: E402
    SAMPLE_CHAIN_ID,
    node_ur_missing,
    run_node_ur_batch,
    safe_tx_typed_data,
    typed_data_bytes,
)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REPEAT = int(os.environ.get("BENCH_UR_REPEAT", "20"))
TRIALS = int(os.environ.get("BENCH_UR_TRIALS", "20"))
FRAGMENT = DEFAULT_FRAGMENT  # bytes of CBOR per frame
FRAMES_PER_SECOND = DEFAULT_FRAMES_PER_SECOND
LOSS = 0.3
REQUESTS = {"typical SafeTx (3 transfers)": 3, "MultiSend of 100 transfers": 100}


def sign_request_ur(transfers: int) -> UR:
    request = EthSignRequest(
        request_id=uuid.UUID(int=transfers), sign_data=typed_data_bytes(safe_tx_typed_data(transfers)),
        data_type=DATA_TYPE_TYPED_DATA, chain_id=SAMPLE_CHAIN_ID,
        derivation_path=parse_path("m/44'/60'/0'/0/0", source_fingerprint=0x16A93ED0), address=bytes(range(20)),
        origin="Custos")
    return UR(EthSignRequest.UR_TYPE, request.to_cbor())


def custos_decode(parts: list[str]) -> tuple[UR, int]:
    """The UR and the number of parts read until the decoder completed."""
    decoder = URDecoder()
    for used, part in enumerate(parts, 1):
        decoder.receive(part)
        if decoder.is_complete:
            return decoder.result, used
    raise SystemExit(f"Custos's decoder did not complete after {len(parts)} parts")


def custos_rate(parts: list[str]) -> float:
    """CBOR bytes per second, median of ROUNDS rounds of REPEAT decodes."""
    custos_decode(parts)  # warm-up
    rates = []
    for _ in range(ROUNDS):
        total = 0
        start = time.perf_counter()
        for _ in range(REPEAT):
            total += len(custos_decode(parts)[0].cbor)
        rates.append(total / (time.perf_counter() - start))
    return statistics.median(rates)


def lossy_stream(ur: UR, seed: int, length: int) -> list[str]:
    encoder = UREncoder(ur, FRAGMENT)
    rng = random.Random(seed)
    return [part for part in (encoder.next_part() for _ in range(length)) if rng.random() >= LOSS]


def check_ur(request: UR, transfers: int) -> UR:
    """A custos-check of the size the online desktop sends: every hard block's verdict and one rule per transfer (up
    to 20), with the prices of three assets and a simulation."""
    from datetime import UTC, datetime

    from wallet_app.holdings.model import Price
    from wallet_app.policy.facts import SimulationOutcome

    now = datetime(2026, 12, 7, tzinfo=UTC)
    rules = [(f"rule-{i}", "pass") for i in range(12 + min(transfers, 20))]
    prices = {f"0x{i:040x}": Price(10**6 + i, 6, "HKD", "NAV feed 0x…", now, False) for i in range(1, 4)}
    facts = CarriedFacts(prices=prices, simulation=SimulationOutcome(reverted=False), vault_nonce=42)
    request_id = EthSignRequest.from_cbor(request.cbor).request_id
    check = OnlineCheck(request_id=request_id, safe_tx_hash=bytes(32), chain_id=SAMPLE_CHAIN_ID,
                        safe="0x" + "11" * 20, nonce=42, block_number=1_000_000, block_hash=bytes(32),
                        checked_at=now, decision="allow", rules=tuple(rules), policy_digest="0x" + "ab" * 32,
                        policy_version=3, proposer="0x" + "22" * 20, approvers=("0x" + "33" * 20,),
                        simulation="simulated at block 1000000: it succeeds", facts=facts)
    return UR("custos-check", check.to_cbor())


def frames_until_complete(urs: list[UR], seed: int | None) -> int:
    """Frames of the app's animation shown until the request is read whole; each lost with probability LOSS (seed
    None: none lost)."""
    animation = Animation(urs, FRAGMENT)
    rng = random.Random(seed)
    reader = RequestReader()
    shown = 0
    while not reader.is_complete:
        frame = animation.next_frame()
        shown += 1
        if seed is None or rng.random() >= LOSS:
            reader.receive(frame)
    return shown


def main() -> None:
    missing = node_ur_missing()
    if missing:
        raise SystemExit(missing)
    cases = []
    for name, transfers in REQUESTS.items():
        ur = sign_request_ur(transfers)
        encoder = UREncoder(ur, FRAGMENT)
        in_order = [encoder.next_part() for _ in range(encoder.fragment_count)]
        lossy = lossy_stream(ur, seed=1, length=6 * encoder.fragment_count)
        for stream, parts in (("in order", in_order), (f"{LOSS:.0%} lost", lossy)):
            result, _ = custos_decode(parts)
            assert result == ur
            cases.append((name, stream, ur, parts))

    replies = run_node_ur_batch([{"op": "bench_decode", "parts": parts, "repeat": REPEAT, "warmup": 1}
                                 for _, _, _, parts in cases for _ in range(ROUNDS)], timeout=1800)
    for reply in replies:
        if "error" in reply:
            raise SystemExit(f"the reference decoder failed: {reply['error']}")

    print(f"UR decode throughput, {FRAGMENT}-byte fragments, MB/s of CBOR, median of {ROUNDS} rounds of {REPEAT} "
          f"decodes (Node timed inside the script):")
    print(f"  {'request':30} {'stream':9} {'CBOR':>7} {'parts read':>11} {'Custos':>7} {'reference':>9}  "
          "Custos/reference")
    for number, (name, stream, ur, parts) in enumerate(cases):
        ours = replies[number * ROUNDS:(number + 1) * ROUNDS]
        node = statistics.median(r["bytes"] / r["seconds"] for r in ours)
        custos = custos_rate(parts)
        read = f"{custos_decode(parts)[1]}/{ours[0]['parts_used']}"
        print(f"  {name:30} {stream:9} {len(ur.cbor):7,} {read:>11} {custos / 1e6:7.2f} {node / 1e6:9.2f}  "
              f"{custos / node:5.2f}x")

    print(f"frames to move a request at {FRAGMENT} bytes a frame, {FRAMES_PER_SECOND} frames per second "
          f"({LOSS:.0%} loss: median and worst of {TRIALS} seeded trials):")
    for name, transfers in REQUESTS.items():
        ur = sign_request_ur(transfers)
        urs = [ur, check_ur(ur, transfers)]
        clean = frames_until_complete(urs, None)
        lossy_counts = [frames_until_complete(urs, seed) for seed in range(TRIALS)]
        median, worst = statistics.median(lossy_counts), max(lossy_counts)
        chars = len(UREncoder(ur, FRAGMENT).next_part())
        size = sum(len(u.cbor) for u in urs)
        print(f"  {name:30} {size:7,} B  {Animation(urs, FRAGMENT).cycle_length:4} fragments of ~{chars} chars "
              f"(request {len(ur.cbor):,} B, check {len(urs[1].cbor):,} B)")
        print(f"    {'0% loss:':9} {clean:5} frames {clean / FRAMES_PER_SECOND:6.1f} s")
        print(f"    {f'{LOSS:.0%} loss:':9} {median:5.0f} frames {median / FRAMES_PER_SECOND:6.1f} s  (worst {worst} "
              f"frames, {worst / FRAMES_PER_SECOND:.1f} s)")


if __name__ == "__main__":
    main()
