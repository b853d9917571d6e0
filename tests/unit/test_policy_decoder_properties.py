"""Hypothesis properties of the decoder: on any calldata it returns an intent (or raises only its own input error),
and a decoded MultiSend batch re-encodes to exactly the bytes that were decoded."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet_app.policy.decoder import decode_safe_tx
from wallet_app.policy.describe import describe_intent
from wallet_app.policy.errors import DecoderInputError
from wallet_app.policy.intent import Kind
from wallet_app.policy.multisend import PackedCall, build_batch_data, build_multisend_call
from wallet_app.policy.selectors import EXTERNAL_FUNCTIONS, SAFE_FUNCTIONS

SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
MULTI = "0x3Aa5ebB10DC797CAC828524e59A333d0A371443c"
TARGETS = [SAFE, MULTI, "0x5FbDB2315678afecb367f032d93F642f64180aa3", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]
KNOWN_SELECTORS = sorted({*EXTERNAL_FUNCTIONS, *SAFE_FUNCTIONS})

addresses = st.sampled_from(TARGETS)
# Calldata that often starts with a selector the decoder knows, followed by words or junk of any length.
calldata = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.sampled_from(KNOWN_SELECTORS), st.binary(max_size=400)).map(lambda t: t[0] + t[1]),
    st.tuples(st.sampled_from(KNOWN_SELECTORS),
              st.lists(st.integers(0, 2**256 - 1), max_size=8)).map(
        lambda t: t[0] + b"".join(w.to_bytes(32, "big") for w in t[1])),
)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(to=addresses, value=st.integers(0, 2**256 - 1), data=calldata, operation=st.integers(0, 1))
def test_decoder_returns_an_intent_or_its_own_error_for_any_calldata(to: str, value: int, data: bytes,
                                                                    operation: int) -> None:
    try:
        intent = decode_safe_tx(to, value, data, operation, safe_address=SAFE, known_multisend={MULTI})
    except DecoderInputError:
        return
    describe_intent(intent, name_for=lambda _a: None, token_facts=lambda _a: None)
    assert intent.data == data and intent.value == value


inner_calls = st.lists(
    st.builds(PackedCall, operation=st.just(0), to=addresses, value=st.integers(0, 2**96),
              data=st.one_of(st.just(b""), calldata)),
    min_size=1, max_size=6,
)


@PROPERTY
@given(calls=inner_calls)
def test_a_decoded_batch_re_encodes_to_the_same_bytes(calls: list[PackedCall]) -> None:
    data = build_multisend_call(calls)
    intent = decode_safe_tx(MULTI, 0, data, 1, safe_address=SAFE, known_multisend={MULTI})
    assert intent.kind is Kind.BATCH
    assert len(intent.children) == len(calls)
    assert build_batch_data(intent) == data
