"""Checks of the identity fields a compliance officer types or a counterparty sends: names, identifiers, LEIs,
country codes and dates, with IVMS 101's code lists. Every failure is a `ConfigError` naming the field."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from wallet_app.errors import ConfigError

PERSONS = ("natural", "legal")
# IVMS 101 NationalIdentifierTypeCode: passport, registration authority, tax id, social security, identity card,
# driving licence, foreign investment id, alien registration, LEI, other.
ID_TYPES = ("CCPT", "RAID", "TXID", "SOCS", "IDCD", "DRLC", "FIIN", "ARNU", "LEIX", "MISC")
MAX_TEXT = 100  # IVMS 101 Max100Text
_COUNTRY = re.compile(r"[A-Z]{2}")
_LEI = re.compile(r"[0-9A-Z]{18}[0-9]{2}")


def plain_text(value: object, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """A line of text from outside: a string of at most `limit` characters with no control characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ConfigError(f"{what} must be text")
    text = value.strip()
    if required and not text:
        raise ConfigError(f"{what} is missing")
    if len(text) > limit:
        raise ConfigError(f"{what} is longer than {limit} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
        raise ConfigError(f"{what} contains control characters")
    return text


def person_kind(value: object) -> str:
    if value not in PERSONS:
        raise ConfigError(f"a counterparty is a natural or a legal person, not {str(value)[:20]!r}")
    return str(value)


def country(value: object, what: str) -> str:
    text = plain_text(value, what, limit=10)
    if not _COUNTRY.fullmatch(text):
        raise ConfigError(f"{what} must be an ISO 3166 country code of two capital letters, e.g. HK")
    return text


def id_type(value: object) -> str:
    if value not in ID_TYPES:
        raise ConfigError(f"the identifier type must be one of {', '.join(ID_TYPES)} (IVMS 101), not "
                          f"{str(value)[:20]!r}")
    return str(value)


def identifier(kind: str, value: object) -> str:
    text = plain_text(value, "the identifier", limit=35)
    if kind == "LEIX":
        lei(text)
    return text


def lei(text: str) -> str:
    """An ISO 17442 Legal Entity Identifier: 18 letters or digits and two check digits (ISO 7064 mod 97-10)."""
    if not _LEI.fullmatch(text):
        raise ConfigError(f"LEI {text[:30]!r} is not 20 characters (18 capital letters or digits, then 2 digits)")
    number = int("".join(str(int(c, 36)) for c in text))
    if number % 97 != 1:
        raise ConfigError(f"LEI {text} has wrong check digits")
    return text


def birth_date(value: object, today: date) -> str:
    text = plain_text(value, "the date of birth", limit=10)
    try:
        born = date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"the date of birth {text!r} is not a date YYYY-MM-DD") from None
    if born >= today or born.year < 1900:
        raise ConfigError(f"the date of birth {text} is not a plausible one")
    return text
