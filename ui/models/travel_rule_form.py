"""The Travel Rule dialog's payload, without Qt: the IVMS 101 identity of the originator and the beneficiary, built from
counterparty records or from what the officer typed for a beneficiary without a record, checked by the core's own
`ivms.check_payload` (whose messages name the IVMS field), and laid out for review as (field, value) rows per side.

The core checks the payload again when it is proposed; these only say it before anyone signs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ui.plain_text import reveal_invisible

SIDE_WORDS = {"originator": "Originator", "beneficiary": "Beneficiary", "originatingVASP": "Originating VASP",
              "beneficiaryVASP": "Beneficiary VASP"}
_PERSONS = {"originator": "originatorPersons", "beneficiary": "beneficiaryPersons"}


def typed_party(values: Mapping[str, str]) -> Any:
    """A beneficiary without a record, as a `Counterparty` made of what was typed (stripped, not checked: the payload
    check names what is wrong by its IVMS field)."""
    from wallet_app.compliance.counterparties import Counterparty

    text = {key: str(values.get(key, "")).strip() for key in ("name", "person", "id_type", "identifier",
                                                               "jurisdiction", "vasp", "given_names", "geo_address",
                                                               "birth_date", "birth_place")}
    return Counterparty(id=0, **text)


def checked_payload(originator: Any, beneficiary: Any, *, vault: str, beneficiaries: Sequence[str],
                    today: date) -> dict[str, Any]:
    """The IVMS 101 payload of this transfer, checked as the core will check it; `ConfigError` (an `IvmsError`
    naming the field) when it does not hold."""
    from wallet_app.compliance.ivms import build_payload, check_payload

    payload = build_payload(originator, [vault], beneficiary, beneficiaries)
    return check_payload(payload, originator_accounts=[vault], beneficiary_accounts=beneficiaries, today=today)


def person_words(payload: Mapping[str, Any], side: str) -> str:
    from wallet_app.compliance.ivms import names

    return reveal_invisible(names(payload, side), max_length=300)


def review_sections(payload: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(IVMS field, value)]) for each side of the payload, in the standard's names. A side with one
    person drops its list index and its kind (said in the heading) from the field names ("name.nameIdentifier[0]…",
    "accountNumber[0]")."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for side, block in payload.items():
        rows: list[tuple[str, str]] = []
        persons_key = _PERSONS.get(side)
        if persons_key is not None:
            persons = block.get(persons_key, [])
            for i, person in enumerate(persons):
                prefix = "" if len(persons) == 1 else f"{persons_key}[{i}]"
                for fields in person.values():  # under naturalPerson or legalPerson, said in the heading
                    rows += _flatten(fields, prefix)
            rows += _flatten(block.get("accountNumber", []), "accountNumber")
            heading = f"{SIDE_WORDS[side]}: {person_words(payload, side)}"
        else:
            rows += _flatten(block, "")
            heading = SIDE_WORDS.get(side, reveal_invisible(side, max_length=40))
        out.append((heading, rows))
    return out


def _flatten(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return [row for key, item in value.items() for row in _flatten(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [row for i, item in enumerate(value) for row in _flatten(item, f"{path}[{i}]")]
    return [(path, reveal_invisible(str(value), max_length=200))]
