"""The demo institution's compliance desk: Harbour Custody Ltd's own identity (the originator of its transfers), its
investors as counterparties with their addresses, Kowloon Pension Trust's address proven by a real signature of the
challenge, and the Travel Rule record each demo payout carries (all fictional; the LEIs have valid check digits)."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct

from wallet_app.compliance.counterparties import CounterpartyBook, NewCounterparty
from wallet_app.compliance.ivms import build_payload
from wallet_app.compliance.setup import ComplianceDesk
from wallet_app.demo.institution import DemoPeople

INSTITUTION = NewCounterparty("Harbour Custody Ltd", "legal", "LEIX", "549300HARBOURCUST012", "HK",
                              geo_address="1 Harbour Road, Wan Chai, Hong Kong")
INVESTORS = (
    NewCounterparty("Kowloon Pension Trust", "legal", "LEIX", "549300KOWLOONPENS029", "HK",
                    geo_address="88 Nathan Road, Tsim Sha Tsui, Kowloon, Hong Kong"),
    NewCounterparty("Lion Rock Family Office Ltd", "legal", "LEIX", "549300LIONROCKFAM054", "HK",
                    vasp="Peak Digital Assets Ltd", geo_address="2 Lion Rock Road, Kowloon Tong, Hong Kong"),
    NewCounterparty("Victoria Harbour Endowment", "legal", "LEIX", "549300VICTORIAEND016", "HK",
                    geo_address="10 Queen's Road Central, Central, Hong Kong"),
    NewCounterparty("Pending KYC Ltd", "legal", "RAID", "CR-3141592", "HK",
                    geo_address="5 Des Voeux Road, Sheung Wan, Hong Kong"),
)
DEMO_ACTOR = "demo setup"


def seed_demo_compliance(desk: ComplianceDesk, people: DemoPeople) -> None:
    book = desk.counterparties
    book.add(INSTITUTION, actor=DEMO_ACTOR)
    for entry, person in zip(INVESTORS, people.investors, strict=True):
        book.add(entry, actor=DEMO_ACTOR)
        book.add_address(entry.name, person.address, actor=DEMO_ACTOR)
    kowloon = people.investors[0]
    challenge = desk.ownership.issue_signature_challenge(kowloon.address, actor=DEMO_ACTOR)
    signature = Account.sign_message(encode_defunct(text=challenge.text), private_key=kowloon.key).signature
    desk.ownership.prove_by_signature(challenge.nonce, "0x" + bytes(signature).hex(), actor=DEMO_ACTOR)


def demo_travel_rule(book: CounterpartyBook, vault: str, recipient: str) -> dict[str, Any]:
    """The IVMS 101 payload of a payout from `vault` to a demo investor: Harbour Custody Ltd is the originator."""
    held = book.owner_of(recipient)
    if held is None:
        raise RuntimeError(f"{recipient} is no demo counterparty's address")
    return build_payload(book.find(INSTITUTION.name), [vault], held[0], [recipient])
