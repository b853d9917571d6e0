"""The destination allowlist and the cooling-off of new counterparties.

    when = { destinations = "contacts:investor" }      # or a list: ["contacts:vault", "Kowloon Pension Trust"]
    cooling_off_hours = 72

A destination is the recipient of a transfer, the spender of an approval or the contract of a call. Each entry is
"contacts" (every contact), "contacts:KIND" (vault, investor, counterparty, contract), a contact's label, or a
contact's address: only `[[contacts]]` can be named, so adding a destination is a policy change under dual control
(B6). `cooling_off_hours`: a contact added less than this long ago does not match (a new counterparty waits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import ClassVar

from wallet_app.policy.rules.base import (
    CONTACT_KINDS,
    Book,
    Condition,
    Env,
    Leaf,
    Miss,
    Relation,
    limit_relation,
)
from wallet_app.policy.rules.parsing import ParseContext, Problem, expect_str_list, parse_address, parse_hours

KIND_PLURALS = {"vault": "own vaults", "investor": "investors", "counterparty": "counterparties",
                "contract": "listed contracts"}
NO_COUNTERPARTY = Miss("it has no destination")


@dataclass(frozen=True, slots=True)
class Destinations(Condition):
    key: ClassVar[str] = "destinations"
    cost: ClassVar[int] = 1
    all_contacts: bool
    kinds: frozenset[str]
    addresses: frozenset[str]
    miss: Miss = field(compare=False, repr=False)
    kind_of: dict[str, str] = field(compare=False, repr=False, default_factory=dict)  # kinds of `addresses`

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        counterparty = leaf.counterparty
        if counterparty is None:
            return NO_COUNTERPARTY
        contact = env.book.contacts.get(counterparty)
        if contact is not None and (self.all_contacts or contact.kind in self.kinds):
            return None
        return None if counterparty in self.addresses else self.miss

    def describe(self, book: Book) -> str:
        return "to " + self._text(book)

    def _text(self, book: Book) -> str:
        if self.all_contacts:
            return "any contact"
        parts = [KIND_PLURALS[k] for k in CONTACT_KINDS if k in self.kinds]
        parts += sorted(book.name(a) or a for a in self.addresses)
        return " or ".join(parts)

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, Destinations)
        if self == other:
            return "same"
        mine, theirs = self.covers(other), other.covers(self)
        if mine and theirs:
            return "same"
        return "wider" if mine else ("narrower" if theirs else "different")

    def disjoint(self, other: Destinations) -> bool:
        """No contact can be a destination of both."""
        if self.all_contacts or other.all_contacts or self.kinds & other.kinds or self.addresses & other.addresses:
            return False
        return not any(k in other.kinds for k in self.kind_of.values()) and \
            not any(k in self.kinds for k in other.kind_of.values())

    def covers(self, other: Destinations) -> bool:
        """Every destination `other` names is one this condition names too (a contact named by address counts as
        covered by its kind)."""
        if self.all_contacts:
            return True
        if other.all_contacts:
            return False
        return other.kinds <= self.kinds and all(
            a in self.addresses or other.kind_of.get(a) in self.kinds for a in other.addresses)


def parse_destinations(value: object, ctx: ParseContext) -> Destinations:
    all_contacts, kinds, addresses = False, set(), set()
    for entry in expect_str_list(value, "destinations", allow_single=True):
        if entry == "contacts":
            all_contacts = True
        elif entry.startswith("contacts:"):
            kind = entry.removeprefix("contacts:")
            if kind not in CONTACT_KINDS:
                raise Problem(f"'{entry}': contacts are of kind {', '.join(CONTACT_KINDS)}", key="destinations")
            kinds.add(kind)
        elif entry.startswith("0x"):
            address = parse_address(entry, "the destination", key="destinations")
            if address not in ctx.book.contacts:
                raise Problem(f"destination {address} is not in [[contacts]]: only contacts can be destinations",
                              key="destinations")
            addresses.add(address)
        elif entry in ctx.book.labels:
            addresses.add(ctx.book.labels[entry].address)
        else:
            raise Problem(f"destination '{entry}' is not a contact's label, 'contacts' or 'contacts:KIND'",
                          key="destinations")
    kind_of = {a: ctx.book.contacts[a].kind for a in addresses}
    condition = Destinations(all_contacts, frozenset(kinds), frozenset(addresses), NO_COUNTERPARTY, kind_of)
    miss = Miss("the destination is not a contact" if all_contacts else
                f"the destination is not among {condition._text(ctx.book)}")
    return Destinations(all_contacts, frozenset(kinds), frozenset(addresses), miss, kind_of)


@dataclass(frozen=True, slots=True)
class CoolingOff(Condition):
    key: ClassVar[str] = "cooling_off_hours"
    cost: ClassVar[int] = 2
    seconds: int

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        contact = env.book.contacts.get(leaf.counterparty) if leaf.counterparty else None
        if contact is None:
            return Miss("the destination is not a contact, so the cooling-off for new counterparties cannot pass")
        if contact.added + timedelta(seconds=self.seconds) > env.facts.now:
            return Miss(f"{contact.label} was added on {contact.added:%Y-%m-%d %H:%M} UTC, less than "
                        f"{self.seconds // 3600} hours ago (cooling-off for new counterparties)")
        return None

    def describe(self, book: Book) -> str:
        return f"once the destination has been a contact for {self.seconds // 3600} hours"

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, CoolingOff)
        return limit_relation(other.seconds, self.seconds)  # a shorter cooling-off matches more


def parse_cooling_off(value: object, ctx: ParseContext) -> CoolingOff:
    return CoolingOff(parse_hours(value, "cooling_off_hours"))
