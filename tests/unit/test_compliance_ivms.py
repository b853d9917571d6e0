"""The compliance desk's checks of outside data, without a chain: identity fields (ISO 17442 LEIs, country codes,
dates), IVMS 101 payloads (every refusal names its field), counterparty records, and the Travel Rule requirement
decided from a policy check (threshold, unpriced values, licensed stablecoins, own vaults)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from wallet_app.compliance import fields
from wallet_app.compliance.counterparties import Counterparty, NewCounterparty
from wallet_app.compliance.ivms import IvmsError, build_payload, check_payload, names, parse_payload
from wallet_app.compliance.requirement import DEFAULT_THRESHOLD_HKD, travel_rule_requirement
from wallet_app.domain.safe_tx import Operation
from wallet_app.errors import ConfigError
from wallet_app.holdings.model import Price
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.rules.base import NATIVE

VAULT = "0x1111111111111111111111111111111111111111"
BOB = "0x2222222222222222222222222222222222222222"
CAROL = "0x3333333333333333333333333333333333333333"
TOKEN = "0x4444444444444444444444444444444444444444"
TODAY = date(2026, 12, 8)
HARBOUR = Counterparty(1, "Harbour Custody Ltd", "legal", "LEIX", "549300HARBOURCUST012", "HK",
                       geo_address="1 Harbour Road, Hong Kong")
ALICE = Counterparty(2, "Chan", "natural", "CCPT", "K1234567", "HK", given_names="Tai Man",
                     birth_date="1980-02-29", birth_place="Hong Kong")


@pytest.mark.parametrize("lei", ["549300HARBOURCUST012", "5493001KJTIIGC8Y1R12", "549300KOWLOONPENS029"])
def test_valid_leis_pass(lei: str) -> None:
    assert fields.lei(lei) == lei


@pytest.mark.parametrize(("lei", "why"), [("549300HARBOURCUST013", "check digits"), ("549300HARBOURCUST01", "20"),
                                          ("549300harbourcust012", "20"), ("549300HARBOURCUST0AB", "20")])
def test_bad_leis_are_refused(lei: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        fields.lei(lei)


def test_identity_fields_refuse_control_characters_long_text_and_bad_dates() -> None:
    with pytest.raises(ConfigError, match="control characters"):
        fields.plain_text("Evil\u202eLtd", "the name")
    with pytest.raises(ConfigError, match="longer than 100"):
        fields.plain_text("x" * 101, "the name")
    with pytest.raises(ConfigError, match="country code"):
        fields.country("HKG", "the jurisdiction")
    with pytest.raises(ConfigError, match="not a plausible"):
        fields.birth_date("2030-01-01", TODAY)
    with pytest.raises(ConfigError, match="not a date"):
        fields.birth_date("29/02/1980", TODAY)


def test_new_counterparties_are_checked_before_anything_is_written() -> None:
    checked = NewCounterparty("  Chan ", "natural", "CCPT", "K1234567", "HK", given_names="Tai Man",
                              birth_date="1980-02-29", birth_place="Hong Kong").checked(TODAY)
    assert checked.name == "Chan" and checked.birth_date == "1980-02-29"
    with pytest.raises(ConfigError, match="address, or a date and place of birth"):
        NewCounterparty("Chan", "natural", "CCPT", "K1", "HK").checked(TODAY)
    with pytest.raises(ConfigError, match="legal person is identified"):
        NewCounterparty("Acme Ltd", "legal", "CCPT", "K1", "HK").checked(TODAY)
    with pytest.raises(ConfigError, match="no date of birth"):
        NewCounterparty("Acme Ltd", "legal", "RAID", "1", "HK", birth_date="1980-01-01").checked(TODAY)
    with pytest.raises(ConfigError, match="natural or a legal"):
        NewCounterparty("Acme Ltd", "robot", "RAID", "1", "HK").checked(TODAY)


def _payload() -> dict[str, Any]:
    return build_payload(HARBOUR, [VAULT], ALICE, [BOB])


def test_a_payload_built_from_records_checks_and_names_both_sides() -> None:
    payload = check_payload(_payload(), originator_accounts=[VAULT], beneficiary_accounts=[BOB], today=TODAY)
    assert payload == json.loads(json.dumps(_payload()))
    assert names(payload, "originator") == "Harbour Custody Ltd (legal person, LEIX 549300HARBOURCUST012)"
    assert names(payload, "beneficiary") == "Tai Man Chan (natural person, CCPT K1234567)"
    person = payload["beneficiary"]["beneficiaryPersons"][0]["naturalPerson"]
    assert person["name"]["nameIdentifier"][0] == {"primaryIdentifier": "Chan", "secondaryIdentifier": "Tai Man",
                                                   "nameIdentifierType": "LEGL"}


def _broken(edit: Any) -> dict[str, Any]:
    payload = json.loads(json.dumps(_payload()))
    edit(payload)
    return payload


def _natural(p: dict[str, Any]) -> dict[str, Any]:
    person: dict[str, Any] = p["beneficiary"]["beneficiaryPersons"][0]["naturalPerson"]
    return person


@pytest.mark.parametrize(("edit", "message"), [
    (lambda p: p.pop("beneficiary"), "the payload.beneficiary is missing"),
    (lambda p: p.update(extra=1), "fields IVMS 101 does not define here: extra"),
    (lambda p: p["originator"].update(accountNumber=[BOB]), f"originator.accountNumber must name {VAULT}"),
    (lambda p: p["beneficiary"].update(accountNumber=["0x12"]), "beneficiary.accountNumber[0]"),
    (lambda p: p["beneficiary"].update(beneficiaryPersons=[]), "beneficiaryPersons is missing"),
    (lambda p: p["beneficiary"].update(beneficiaryPersons=[{}] * 11), "must list 1 to 10 persons"),
    (lambda p: _natural(p).pop("nationalIdentification"), "naturalPerson.nationalIdentification is missing"),
    (lambda p: _natural(p).pop("dateAndPlaceOfBirth"), "needs a geographicAddress or a dateAndPlaceOfBirth"),
    (lambda p: _natural(p)["dateAndPlaceOfBirth"].update(dateOfBirth="1980-13-01"), "dateOfBirth"),
    (lambda p: _natural(p)["name"]["nameIdentifier"][0].update(primaryIdentifier=""), "primaryIdentifier is missing"),
    (lambda p: _natural(p)["name"]["nameIdentifier"][0].update(nameIdentifierType="NICK"), "must be LEGL"),
    (lambda p: _natural(p)["nationalIdentification"].update(nationalIdentifierType="XXXX"), "identifier type"),
    (lambda p: p["originator"]["originatorPersons"][0]["legalPerson"]["nationalIdentification"].update(
        nationalIdentifier="549300HARBOURCUST013"), "check digits"),
    (lambda p: p["originator"]["originatorPersons"][0]["legalPerson"]["nationalIdentification"].update(
        countryOfIssue="HK"), "must not be given with an LEI"),
    (lambda p: p["originator"]["originatorPersons"][0]["legalPerson"]["geographicAddress"][0].pop("addressLine"),
     "needs an addressLine or a streetName"),
    (lambda p: p["originator"]["originatorPersons"][0].update(naturalPerson={}), "exactly one of naturalPerson"),
])
def test_malformed_ivms_fields_are_refused_naming_the_field(edit: Any, message: str) -> None:
    with pytest.raises(IvmsError) as caught:
        check_payload(_broken(edit), originator_accounts=[VAULT], beneficiary_accounts=[BOB], today=TODAY)
    assert message in caught.value.user_message


@pytest.mark.parametrize(("text", "message"), [("{", "not JSON"), ("[]", "JSON object"),
                                               ("[" * 30_000 + "]" * 30_000, "JSON"),
                                               ('{"a": "' + "x" * 70_000 + '"}', "larger than 64 KiB")])
def test_unreadable_travel_rule_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(IvmsError, match=message):
        parse_payload(text)


# -- the requirement ----------------------------------------------------------------------------------------------

def _price(hkd_per_unit: int) -> Price:
    return Price(hkd_per_unit * 10**6, 6, "HKD", "test feed", datetime.now(UTC), stale=False)


def _transfer(amount: int, recipient: str = BOB, asset: str = TOKEN) -> Intent:
    return Intent(Kind.TOKEN_TRANSFER, asset, Operation.CALL, 0, b"", asset=asset, amount=amount, recipient=recipient)


def _result(intent: Intent, prices: dict[str, Price | None]) -> Any:
    return SimpleNamespace(intent=intent, carried=SimpleNamespace(prices=prices))


def _decide(intent: Intent, prices: dict[str, Price | None], *, licensed: frozenset[str] = frozenset()) -> Any:
    return travel_rule_requirement(_result(intent, prices), decimals={TOKEN: 6, NATIVE: 18}, licensed=licensed,
                                   own={VAULT})


def test_the_threshold_is_hk_8000_inclusive() -> None:
    assert DEFAULT_THRESHOLD_HKD == 8_000 * 10**6
    below = _decide(_transfer(7_999_999_999), {TOKEN: _price(1)})
    at = _decide(_transfer(8_000 * 10**6), {TOKEN: _price(1)})
    assert not below.required and "HK$7,999.99" in below.summary() and "below" in below.summary()
    assert at.required and at.value_hkd == 8_000 * 10**6 and at.beneficiaries == (BOB,)


def test_an_unpriced_or_stale_value_applies_the_rule_as_if_over_the_threshold() -> None:
    unpriced = _decide(_transfer(1), {})
    assert unpriced.required and unpriced.value_hkd is None and "cannot be told" in unpriced.summary()
    stale = Price(10**6, 6, "HKD", "test feed", datetime.now(UTC), stale=True)
    assert _decide(_transfer(1), {TOKEN: stale}).required


def test_a_licensed_stablecoin_needs_the_record_for_any_amount_and_own_vaults_never() -> None:
    small = _decide(_transfer(1), {TOKEN: _price(1)}, licensed=frozenset({TOKEN}))
    assert small.required and "licensed issuer's stablecoin" in small.summary()
    internal = _decide(_transfer(10**15, recipient=VAULT), {TOKEN: _price(1)})
    assert not internal.required and internal.beneficiaries == ()


def test_a_batch_adds_its_transfers_and_names_every_beneficiary() -> None:
    batch = Intent(Kind.BATCH, CAROL, Operation.DELEGATECALL, 0, b"", children=(
        _transfer(5_000 * 10**6), _transfer(3_000 * 10**6, recipient=CAROL)))
    decided = _decide(batch, {TOKEN: _price(1)})
    assert decided.required and decided.value_hkd == 8_000 * 10**6 and decided.beneficiaries == (BOB, CAROL)
