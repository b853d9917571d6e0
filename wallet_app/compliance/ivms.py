"""IVMS 101 identity data for the Travel Rule: built from counterparty records, and checked when it comes from
outside (a file an officer fills in, a form).

The payload is IVMS 101's IdentityPayload with the field names of the standard:

    {"originator": {"originatorPersons": [PERSON], "accountNumber": ["0x…"]},
     "beneficiary": {"beneficiaryPersons": [PERSON], "accountNumber": ["0x…"]},
     "originatingVASP": {"originatingVASP": PERSON}, "beneficiaryVASP": {"beneficiaryVASP": PERSON}}  # optional

PERSON is {"naturalPerson": {...}} or {"legalPerson": {...}}: a name (nameIdentifier: primaryIdentifier and
secondaryIdentifier of type LEGL for a person, legalPersonName for a legal person), a nationalIdentification
(nationalIdentifier, nationalIdentifierType: an LEI (LEIX) for a legal person where it has one), and for a natural
person a geographicAddress or a dateAndPlaceOfBirth. Account numbers are the addresses: the originator's must name
the sending vault and the beneficiary's every recipient. Anything else (unknown keys, text over 100 characters,
control characters, a wrong LEI, a malformed address) is refused with the path of the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from wallet_app.compliance import fields
from wallet_app.compliance.counterparties import Counterparty
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError

MAX_PAYLOAD = 64 * 1024
SIDES = ("originator", "beneficiary")
_PERSONS_KEY = {"originator": "originatorPersons", "beneficiary": "beneficiaryPersons"}
_NATURAL_KEYS = {"name", "geographicAddress", "nationalIdentification", "customerIdentification",
                 "dateAndPlaceOfBirth", "countryOfResidence"}
_LEGAL_KEYS = {"name", "geographicAddress", "nationalIdentification", "customerIdentification",
               "countryOfRegistration"}
_ADDRESS_TYPES = ("HOME", "BIZZ", "GEOG")


class IvmsError(ConfigError):
    code = "ivms"


def person_json(party: Counterparty) -> dict[str, Any]:
    """A counterparty record as an IVMS 101 person."""
    ident: dict[str, Any] = {"nationalIdentifier": party.identifier, "nationalIdentifierType": party.id_type}
    geo = [{"addressType": "GEOG", "addressLine": [party.geo_address], "country": party.jurisdiction}] \
        if party.geo_address else []
    if party.person == "legal":
        legal: dict[str, Any] = {"name": {"nameIdentifier": [{"legalPersonName": party.name,
                                                               "legalPersonNameIdentifierType": "LEGL"}]},
                                 "nationalIdentification": ident, "countryOfRegistration": party.jurisdiction}
        if geo:
            legal["geographicAddress"] = geo
        return {"legalPerson": legal}
    name: dict[str, str] = {"primaryIdentifier": party.name, "nameIdentifierType": "LEGL"}
    if party.given_names:
        name["secondaryIdentifier"] = party.given_names
    natural: dict[str, Any] = {"name": {"nameIdentifier": [name]}, "nationalIdentification": ident,
                               "countryOfResidence": party.jurisdiction}
    if geo:
        natural["geographicAddress"] = geo
    if party.birth_date:
        natural["dateAndPlaceOfBirth"] = {"dateOfBirth": party.birth_date, "placeOfBirth": party.birth_place}
    return {"naturalPerson": natural}


def build_payload(originator: Counterparty, originator_accounts: Iterable[str], beneficiary: Counterparty,
                  beneficiary_accounts: Iterable[str]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "originator": {"originatorPersons": [person_json(originator)],
                       "accountNumber": [to_checksum(a) for a in originator_accounts]},
        "beneficiary": {"beneficiaryPersons": [person_json(beneficiary)],
                        "accountNumber": [to_checksum(a) for a in beneficiary_accounts]},
    }
    if beneficiary.vasp:
        payload["beneficiaryVASP"] = {"beneficiaryVASP": {"legalPerson": {"name": {"nameIdentifier": [
            {"legalPersonName": beneficiary.vasp, "legalPersonNameIdentifierType": "LEGL"}]}}}}
    return payload


def parse_payload(text: str) -> dict[str, Any]:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PAYLOAD:
        raise IvmsError(f"The Travel Rule file is larger than {MAX_PAYLOAD // 1024} KiB")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise IvmsError(f"The Travel Rule file is not JSON: {str(exc)[:120]}") from None
    if not isinstance(value, dict):
        raise IvmsError("The Travel Rule file must hold a JSON object (an IVMS 101 IdentityPayload)")
    return value


def check_payload(payload: Mapping[str, Any], *, originator_accounts: Iterable[str],
                  beneficiary_accounts: Iterable[str], today: date) -> dict[str, Any]:
    """The payload checked, with addresses checksummed; raises `IvmsError` naming the first bad field."""
    _keys(payload, {"originator", "beneficiary", "originatingVASP", "beneficiaryVASP"}, "the payload",
          required=SIDES)
    out: dict[str, Any] = {}
    for side, must_name in (("originator", originator_accounts), ("beneficiary", beneficiary_accounts)):
        block = payload[side]
        persons_key = _PERSONS_KEY[side]
        _keys(block, {persons_key, "accountNumber"}, side, required=(persons_key, "accountNumber"))
        persons = block[persons_key]
        if not isinstance(persons, list) or not persons or len(persons) > 10:
            raise IvmsError(f"{side}.{persons_key} must list 1 to 10 persons")
        checked = [_person(p, f"{side}.{persons_key}[{i}]", today) for i, p in enumerate(persons)]
        accounts = _accounts(block["accountNumber"], f"{side}.accountNumber")
        for address in must_name:
            if to_checksum(address) not in accounts:
                raise IvmsError(f"{side}.accountNumber must name {to_checksum(address)}, the {side}'s address in "
                                "this transfer")
        out[side] = {persons_key: checked, "accountNumber": accounts}
    for vasp in ("originatingVASP", "beneficiaryVASP"):
        if vasp in payload:
            holder = payload[vasp]
            _keys(holder, {vasp}, vasp, required=(vasp,))
            person = holder[vasp]
            if not isinstance(person, Mapping) or set(person) != {"legalPerson"}:
                raise IvmsError(f"{vasp}.{vasp} must be a legalPerson")
            out[vasp] = {vasp: {"legalPerson": _legal(person["legalPerson"], f"{vasp}.{vasp}.legalPerson",
                                                      vasp=True)}}
    return out


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def names(payload: Mapping[str, Any], side: str) -> str:
    """The persons of one side in words, e.g. "Lion Rock Family Office Ltd (legal person, LEIX …)"."""
    out = []
    for person in payload.get(side, {}).get(_PERSONS_KEY[side], []):
        if "legalPerson" in person:
            p = person["legalPerson"]
            name = p["name"]["nameIdentifier"][0]["legalPersonName"]
            kind = "legal person"
        else:
            p = person["naturalPerson"]
            first = p["name"]["nameIdentifier"][0]
            name = " ".join(x for x in (first.get("secondaryIdentifier", ""), first["primaryIdentifier"]) if x)
            kind = "natural person"
        ident = p.get("nationalIdentification", {})
        number = f"{ident.get('nationalIdentifierType', '?')} {ident.get('nationalIdentifier', '?')}"
        out.append(f"{name} ({kind}, {number})")
    return "; ".join(out)


# -- one person ---------------------------------------------------------------------------------------------------

def _person(value: Any, where: str, today: date) -> dict[str, Any]:
    if not isinstance(value, Mapping) or len(value) != 1 or not set(value) <= {"naturalPerson", "legalPerson"}:
        raise IvmsError(f"{where} must be exactly one of naturalPerson or legalPerson")
    if "legalPerson" in value:
        return {"legalPerson": _legal(value["legalPerson"], f"{where}.legalPerson")}
    return {"naturalPerson": _natural(value["naturalPerson"], f"{where}.naturalPerson", today)}


def _natural(p: Any, where: str, today: date) -> dict[str, Any]:
    _keys(p, _NATURAL_KEYS, where, required=("name", "nationalIdentification"))
    out: dict[str, Any] = {"name": {"nameIdentifier": [_natural_name(p["name"], f"{where}.name")]},
                           "nationalIdentification": _ident(p["nationalIdentification"],
                                                            f"{where}.nationalIdentification")}
    if "geographicAddress" in p:
        out["geographicAddress"] = _geo(p["geographicAddress"], f"{where}.geographicAddress")
    if "dateAndPlaceOfBirth" in p:
        birth = p["dateAndPlaceOfBirth"]
        _keys(birth, {"dateOfBirth", "placeOfBirth"}, f"{where}.dateAndPlaceOfBirth",
              required=("dateOfBirth", "placeOfBirth"))
        out["dateAndPlaceOfBirth"] = {
            "dateOfBirth": _field(lambda v: fields.birth_date(v, today), birth["dateOfBirth"],
                                  f"{where}.dateAndPlaceOfBirth.dateOfBirth"),
            "placeOfBirth": _text(birth["placeOfBirth"], f"{where}.dateAndPlaceOfBirth.placeOfBirth")}
    if "geographicAddress" not in out and "dateAndPlaceOfBirth" not in out:
        raise IvmsError(f"{where} needs a geographicAddress or a dateAndPlaceOfBirth")
    for key in ("countryOfResidence",):
        if key in p:
            out[key] = _field(lambda v, k=key: fields.country(v, k), p[key], f"{where}.{key}")
    if "customerIdentification" in p:
        out["customerIdentification"] = _text(p["customerIdentification"], f"{where}.customerIdentification")
    return out


def _legal(p: Any, where: str, *, vasp: bool = False) -> dict[str, Any]:
    _keys(p, _LEGAL_KEYS, where, required=("name",) if vasp else ("name", "nationalIdentification"))
    name = p["name"]
    _keys(name, {"nameIdentifier"}, f"{where}.name", required=("nameIdentifier",))
    ids = name["nameIdentifier"]
    if not isinstance(ids, list) or not ids or len(ids) > 5:
        raise IvmsError(f"{where}.name.nameIdentifier must list 1 to 5 names")
    checked_names = []
    for i, item in enumerate(ids):
        at = f"{where}.name.nameIdentifier[{i}]"
        _keys(item, {"legalPersonName", "legalPersonNameIdentifierType"}, at,
              required=("legalPersonName", "legalPersonNameIdentifierType"))
        kind = item["legalPersonNameIdentifierType"]
        if kind not in ("LEGL", "SHRT", "TRAD"):
            raise IvmsError(f"{at}.legalPersonNameIdentifierType must be LEGL, SHRT or TRAD")
        checked_names.append({"legalPersonName": _text(item["legalPersonName"], f"{at}.legalPersonName"),
                              "legalPersonNameIdentifierType": kind})
    out: dict[str, Any] = {"name": {"nameIdentifier": checked_names}}
    if "nationalIdentification" in p:
        out["nationalIdentification"] = _ident(p["nationalIdentification"], f"{where}.nationalIdentification")
    if "geographicAddress" in p:
        out["geographicAddress"] = _geo(p["geographicAddress"], f"{where}.geographicAddress")
    if "countryOfRegistration" in p:
        out["countryOfRegistration"] = _field(lambda v: fields.country(v, "countryOfRegistration"),
                                              p["countryOfRegistration"], f"{where}.countryOfRegistration")
    if "customerIdentification" in p:
        out["customerIdentification"] = _text(p["customerIdentification"], f"{where}.customerIdentification")
    return out


def _natural_name(name: Any, where: str) -> dict[str, str]:
    _keys(name, {"nameIdentifier"}, where, required=("nameIdentifier",))
    ids = name["nameIdentifier"]
    if not isinstance(ids, list) or len(ids) != 1:
        raise IvmsError(f"{where}.nameIdentifier must list exactly one legal name")
    item = ids[0]
    at = f"{where}.nameIdentifier[0]"
    _keys(item, {"primaryIdentifier", "secondaryIdentifier", "nameIdentifierType"}, at,
          required=("primaryIdentifier", "nameIdentifierType"))
    if item["nameIdentifierType"] != "LEGL":
        raise IvmsError(f"{at}.nameIdentifierType must be LEGL (the legal name)")
    out = {"primaryIdentifier": _text(item["primaryIdentifier"], f"{at}.primaryIdentifier"),
           "nameIdentifierType": "LEGL"}
    if "secondaryIdentifier" in item:
        out["secondaryIdentifier"] = _text(item["secondaryIdentifier"], f"{at}.secondaryIdentifier")
    return out


def _ident(value: Any, where: str) -> dict[str, str]:
    _keys(value, {"nationalIdentifier", "nationalIdentifierType", "countryOfIssue", "registrationAuthority"}, where,
          required=("nationalIdentifier", "nationalIdentifierType"))
    kind = _field(fields.id_type, value["nationalIdentifierType"], f"{where}.nationalIdentifierType")
    out = {"nationalIdentifier": _field(lambda v: fields.identifier(kind, v), value["nationalIdentifier"],
                                        f"{where}.nationalIdentifier"),
           "nationalIdentifierType": kind}
    if "countryOfIssue" in value:
        if kind == "LEIX":
            raise IvmsError(f"{where}.countryOfIssue must not be given with an LEI (IVMS 101 C7)")
        out["countryOfIssue"] = _field(lambda v: fields.country(v, "countryOfIssue"), value["countryOfIssue"],
                                       f"{where}.countryOfIssue")
    if "registrationAuthority" in value:
        out["registrationAuthority"] = _text(value["registrationAuthority"], f"{where}.registrationAuthority")
    return out


def _geo(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value or len(value) > 5:
        raise IvmsError(f"{where} must list 1 to 5 addresses")
    out = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        _keys(item, {"addressType", "addressLine", "streetName", "buildingNumber", "buildingName", "postCode",
                     "townName", "countrySubDivision", "country"}, at, required=("addressType", "country"))
        if item["addressType"] not in _ADDRESS_TYPES:
            raise IvmsError(f"{at}.addressType must be one of {', '.join(_ADDRESS_TYPES)}")
        checked: dict[str, Any] = {"addressType": item["addressType"],
                                   "country": _field(lambda v: fields.country(v, "country"), item["country"],
                                                     f"{at}.country")}
        for key in ("streetName", "buildingNumber", "buildingName", "postCode", "townName", "countrySubDivision"):
            if key in item:
                checked[key] = _text(item[key], f"{at}.{key}")
        if "addressLine" in item:
            lines = item["addressLine"]
            if not isinstance(lines, list) or not lines or len(lines) > 7:
                raise IvmsError(f"{at}.addressLine must list 1 to 7 lines")
            checked["addressLine"] = [_text(line, f"{at}.addressLine[{n}]", limit=70) for n, line in enumerate(lines)]
        elif "streetName" not in checked:
            raise IvmsError(f"{at} needs an addressLine or a streetName (IVMS 101 C8)")
        out.append(checked)
    return out


def _accounts(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > 20:
        raise IvmsError(f"{where} must list 1 to 20 addresses")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise IvmsError(f"{where}[{i}] must be an address")
        try:
            out.append(to_checksum(item))
        except ValueError as exc:
            raise IvmsError(f"{where}[{i}]: {str(exc)[:120]}") from None
    return out


def _keys(value: Any, allowed: set[str], where: str, *, required: Iterable[str]) -> None:
    if not isinstance(value, Mapping):
        raise IvmsError(f"{where} must be an object")
    unknown = sorted(str(k)[:40] for k in value if k not in allowed)
    if unknown:
        raise IvmsError(f"{where} has fields IVMS 101 does not define here: {', '.join(unknown[:5])}")
    for key in required:
        if key not in value or value[key] in (None, "", [], {}):
            raise IvmsError(f"{where}.{key} is missing")


def _text(value: Any, where: str, *, limit: int = fields.MAX_TEXT) -> str:
    return _field(lambda v: fields.plain_text(v, where, limit=limit), value, where)


def _field(check: Any, value: Any, where: str) -> str:
    try:
        return str(check(value))
    except ConfigError as exc:
        message = exc.user_message if exc.user_message.startswith(where) else f"{where}: {exc.user_message}"
        raise IvmsError(message) from None
