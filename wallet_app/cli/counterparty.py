"""`custos counterparty ...`: counterparty records, their addresses, and proofs that they own them.

- `counterparty add --name N --person natural|legal --id-type T --id V --jurisdiction CC (--vasp NAME | --unhosted)
  [--given-names G] [--geo-address TEXT] [--birth-date YYYY-MM-DD --birth-place P]`: a new record (IVMS 101 terms).
- `counterparty list|show NAME [--json]`; `counterparty add-address NAME ADDRESS` (it is labelled with the name).
- `counterparty challenge ADDRESS [--hours H] [--json]`: the EIP-191 text the counterparty signs (24 h by default).
- `counterparty prove ADDRESS --nonce N --signature HEX`: an EOA signature, or an EIP-1271 contract wallet's,
  checked at a pinned block; the address is proven only when it holds.
- `counterparty satoshi ADDRESS --vault V [--asset native|TOKEN] [--hours H]`: the exact small amount to send from
  the address to one of the profile's vaults (72 h by default); `counterparty satoshi-check ADDRESS --nonce N --tx
  HASH`: proven when that transaction is exactly that transfer, from that address, and final.

Bad input (a malformed address, identifier, LEI or signature, an expired or used challenge, a signature from another
address, a payment of another amount or from another address) exits 1 with one line on stderr; nothing is recorded
as proven.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_json, print_lines, visible_lines, with_services
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.compliance.counterparties import Counterparty, Proof
    from wallet_app.compliance.ownership import Challenge, OwnershipDesk
    from wallet_app.services import Services

ACTOR = "operator"


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("counterparty", help="counterparty records, their addresses and proofs of ownership")
    actions = group.add_subparsers(dest="counterparty_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="a new counterparty record (natural or legal person)")
    add.add_argument("--name", required=True, help="legal name (a natural person's family name)")
    add.add_argument("--person", required=True, choices=("natural", "legal"))
    add.add_argument("--id-type", required=True, metavar="TYPE",
                     help="IVMS 101 identifier type: LEIX (LEI), RAID (registration), CCPT (passport), IDCD (identity "
                          "card), TXID, SOCS, DRLC, FIIN, ARNU, MISC")
    add.add_argument("--id", required=True, metavar="VALUE", help="the identifier (an LEI is checked)")
    add.add_argument("--jurisdiction", required=True, metavar="CC", help="ISO 3166 country code, e.g. HK")
    hosting = add.add_mutually_exclusive_group(required=True)
    hosting.add_argument("--vasp", metavar="NAME", help="the VASP hosting its wallets")
    hosting.add_argument("--unhosted", action="store_true", help="it holds its own keys (no VASP)")
    add.add_argument("--given-names", default="", help="a natural person's given names")
    add.add_argument("--geo-address", default="", metavar="TEXT", help="postal address, one line")
    add.add_argument("--birth-date", default="", metavar="YYYY-MM-DD", help="a natural person's date of birth")
    add.add_argument("--birth-place", default="", help="a natural person's place of birth")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(handler=_add)

    listing = actions.add_parser("list", help="every counterparty with its addresses")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_list)
    show = actions.add_parser("show", help="one counterparty, its addresses and their proofs")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)

    address = actions.add_parser("add-address", help="an address of a counterparty (labelled with its name)")
    address.add_argument("name")
    address.add_argument("address")
    address.set_defaults(handler=_add_address)

    challenge = actions.add_parser("challenge", help="the text an unhosted address signs to prove ownership")
    challenge.add_argument("address")
    challenge.add_argument("--hours", type=int, default=None, help="valid for this long (default 24)")
    challenge.add_argument("--json", action="store_true", help="print JSON")
    challenge.set_defaults(handler=_challenge)
    prove = actions.add_parser("prove", help="the counterparty's signature of a challenge (EOA or EIP-1271)")
    prove.add_argument("address")
    prove.add_argument("--nonce", required=True, help="the challenge's nonce")
    prove.add_argument("--signature", required=True, metavar="HEX", help="the signature, 0x hex")
    prove.set_defaults(handler=_prove)

    satoshi = actions.add_parser("satoshi", help="a satoshi test: an exact small amount to send to a vault")
    satoshi.add_argument("address")
    satoshi.add_argument("--vault", required=True, metavar="ADDRESS", help="one of the profile's vaults")
    satoshi.add_argument("--asset", default="native", metavar="native|TOKEN_ADDRESS")
    satoshi.add_argument("--hours", type=int, default=None, help="valid for this long (default 72)")
    satoshi.add_argument("--json", action="store_true", help="print JSON")
    satoshi.set_defaults(handler=_satoshi)
    check = actions.add_parser("satoshi-check", help="check the satoshi test's payment and mark the address proven")
    check.add_argument("address")
    check.add_argument("--nonce", required=True, help="the test's nonce")
    check.add_argument("--tx", required=True, metavar="HASH", help="the payment's transaction hash")
    check.set_defaults(handler=_satoshi_check)


def _add(args: argparse.Namespace) -> int:
    from wallet_app.compliance.counterparties import NewCounterparty

    entry = NewCounterparty(args.name, args.person, args.id_type, args.id, args.jurisdiction,
                            vasp="" if args.unhosted else args.vasp or "", given_names=args.given_names,
                            geo_address=args.geo_address, birth_date=args.birth_date, birth_place=args.birth_place)
    party = with_services(args, lambda s: s.compliance.counterparties.add(entry, actor=ACTOR))
    _print(args, party)
    return 0


def _list(args: argparse.Namespace) -> int:
    parties = with_services(args, lambda s: s.compliance.counterparties.load_all())
    if args.json:
        print_json([p.to_json() for p in parties])
    else:
        print_lines([line for p in parties for line in party_lines(p)] or ["No counterparties yet"])
    return 0


def _show(args: argparse.Namespace) -> int:
    _print(args, with_services(args, lambda s: s.compliance.counterparties.find(args.name)))
    return 0


def _add_address(args: argparse.Namespace) -> int:
    address = _address(args.address)
    party = with_services(args, lambda s: s.compliance.counterparties.add_address(args.name, address, actor=ACTOR))
    print(f"{address} is now an address of {visible_lines(party.name)} (not proven yet)")
    return 0


def _challenge(args: argparse.Namespace) -> int:
    address = _address(args.address)
    challenge = with_services(args, lambda s: s.compliance.ownership.issue_signature_challenge(
        address, actor=ACTOR, hours=args.hours))
    if args.json:
        print_json(challenge.to_json())
    else:
        print_lines([f"Challenge {challenge.nonce} for {challenge.address}, valid until "
                     f"{challenge.expires_at:%Y-%m-%d %H:%M} UTC. The counterparty signs this text exactly (EIP-191 "
                     "personal_sign), then: custos counterparty prove ADDRESS --nonce NONCE --signature HEX", ""])
        print(challenge.text)
    return 0


def _prove(args: argparse.Namespace) -> int:
    return _answer(args, lambda desk: desk.prove_by_signature(args.nonce, args.signature, actor=ACTOR))


def _answer(args: argparse.Namespace, prove: Callable[[OwnershipDesk], Proof]) -> int:
    """A challenge's answer, checked for the address it was issued for."""
    address = _address(args.address)

    def work(services: Services) -> Proof:
        _same_address(services.compliance.ownership.load(args.nonce), address)
        return prove(services.compliance.ownership)

    proof = with_services(args, work)
    print(f"{address} is proven: {proof.summary()}")
    return 0


def _satoshi(args: argparse.Namespace) -> int:
    address = _address(args.address)
    vault = _address(args.vault)

    def work(services: Services) -> Challenge:
        preset = services.profile.preset
        asset, decimals, symbol = "native", preset.native_decimals, preset.native_symbol
        if args.asset != "native":
            asset = _address(args.asset)
            token = next((t for t in services.tokens.load_tokens() if t.address == asset and t.verified), None)
            if token is None:
                raise ConfigError(f"{asset} is not a reviewed token of this profile's registry")
            decimals, symbol = token.decimals, visible_lines(token.symbol)
        return services.compliance.ownership.issue_satoshi_test(address, vault=vault, asset=asset,
                                                                decimals=decimals, symbol=symbol, actor=ACTOR,
                                                                hours=args.hours)

    challenge = with_services(args, work)
    if args.json:
        print_json(challenge.to_json())
    else:
        print_lines([f"Satoshi test {challenge.nonce}: {challenge.text}",
                     "Then: custos counterparty satoshi-check ADDRESS --nonce NONCE --tx HASH"])
    return 0


def _satoshi_check(args: argparse.Namespace) -> int:
    return _answer(args, lambda desk: desk.prove_by_satoshi(args.nonce, args.tx, actor=ACTOR))


def party_lines(party: Counterparty) -> list[str]:
    hosting = f"hosted by {visible_lines(party.vasp)}" if party.vasp else "unhosted"
    lines = [f"{visible_lines(party.full_name)}: {party.person} person, {party.id_type} "
             f"{visible_lines(party.identifier)}, {party.jurisdiction}, {hosting}"]
    for owned in party.addresses:
        proof = owned.proof.summary() if owned.proof else "not proven"
        lines.append(f"  {owned.address}  {proof}")
    return lines


def _print(args: argparse.Namespace, party: Counterparty) -> None:
    if args.json:
        print_json(party.to_json())
    else:
        print_lines(party_lines(party))


def _address(text: str) -> str:
    from wallet_app.domain.addresses import to_checksum

    return to_checksum(text.strip())


def _same_address(challenge: Challenge, address: str) -> None:
    if challenge.address != address:
        raise ConfigError(f"Challenge {challenge.nonce} was issued for {challenge.address}, not {address}")
