"""`custos travel-rule ...`: the Travel Rule record of a transfer (IVMS 101).

- `travel-rule template --safe VAULT --to ADDRESS --originator NAME [--beneficiary NAME] --out FILE.json`: the IVMS
  101 payload built from counterparty records (the beneficiary by default: the owner of --to), to review and give to
  `custos safe propose --travel-rule FILE.json`.
- `travel-rule show SAFE_TX_HASH [--json]`: whether the rule applies to a queued transfer, why, and its record.
- `travel-rule export SAFE_TX_HASH --out FILE.json`: the record for the counterparty VASP, {"ivms101": …,
  "transfer": …, "digest": …}; a new file.
- `travel-rule attach SAFE_TX_HASH --file FILE.json --key ADDRESS --password-file F`: the record of a transfer
  queued without one (before this version, or imported), checked as at proposal; never replaces a record.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import Commands, print_json, print_lines, read_secret_file, with_services, write_new_file
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.compliance.travel_rule import TravelRuleRecord
    from wallet_app.services import Services


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("travel-rule", help="Travel Rule records of transfers (IVMS 101)")
    actions = group.add_subparsers(dest="travel_rule_command", required=True, metavar="ACTION")
    template = actions.add_parser("template", help="an IVMS 101 payload from counterparty records, for a proposal")
    template.add_argument("--safe", required=True, metavar="ADDRESS", help="the vault that sends")
    template.add_argument("--to", required=True, metavar="ADDRESS", help="the recipient")
    template.add_argument("--originator", required=True, metavar="NAME", help="the originator's counterparty record")
    template.add_argument("--beneficiary", default=None, metavar="NAME",
                          help="the beneficiary's record (default: the counterparty owning --to)")
    template.add_argument("--out", required=True, type=Path, metavar="FILE.json", help="a new file")
    template.set_defaults(handler=_template)

    show = actions.add_parser("show", help="the Travel Rule requirement and record of a queued transfer")
    show.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)

    export = actions.add_parser("export", help="a transfer's record as IVMS 101 JSON for the counterparty VASP")
    export.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    export.add_argument("--out", required=True, type=Path, metavar="FILE.json", help="a new file")
    export.set_defaults(handler=_export)

    attach = actions.add_parser("attach", help="the record of a transfer queued without one")
    attach.add_argument("safe_tx_hash", metavar="SAFE_TX_HASH")
    attach.add_argument("--file", required=True, type=Path, metavar="FILE.json", help="the IVMS 101 payload")
    attach.add_argument("--key", required=True, metavar="ADDRESS", help="the officer attaching it (signs the entry)")
    attach.add_argument("--password-file", required=True, type=Path, metavar="F", help="the key's password")
    attach.set_defaults(handler=_attach)


def _template(args: argparse.Namespace) -> int:
    from wallet_app.compliance.ivms import build_payload, canonical
    from wallet_app.domain.addresses import to_checksum

    safe, to = to_checksum(args.safe), to_checksum(args.to)
    if args.out.exists():
        raise ConfigError(f"{args.out} already exists; choose another file name")

    def work(services: Services) -> dict[str, Any]:
        book = services.compliance.counterparties
        originator = book.find(args.originator)
        if args.beneficiary is not None:
            beneficiary = book.find(args.beneficiary)
        else:
            held = book.owner_of(to)
            if held is None:
                raise ConfigError(f"{to} is no counterparty's address; add it (custos counterparty add-address) or "
                                  "name the beneficiary with --beneficiary")
            beneficiary = held[0]
        return build_payload(originator, [safe], beneficiary, [to])

    payload = with_services(args, work)
    write_new_file(args.out, (json.dumps(json.loads(canonical(payload)), indent=2, ensure_ascii=False) + "\n")
                   .encode("utf-8"))
    print(f"Wrote the IVMS 101 payload to {args.out}; review it, then give it to custos safe propose --travel-rule")
    return 0


def _hash(text: str) -> str:
    from wallet_app.queue.service import hash_arg

    return hash_arg(text, "SAFE_TX_HASH")


def _show(args: argparse.Namespace) -> int:
    key = _hash(args.safe_tx_hash)
    record = with_services(args, lambda s: _record(s, key))
    if args.json:
        print_json(record.to_json())
    else:
        print_lines(record.lines())
    return 0


def _record(services: Services, key: str) -> TravelRuleRecord:
    record = services.compliance.travel_rule.load(key)
    if record is None:
        raise ConfigError(f"No Travel Rule decision is recorded for {key}: no such transfer, or one queued before "
                          "this version of Custos (attach a record with custos travel-rule attach)")
    return record


def _transfer(services: Services, key: str) -> dict[str, Any]:
    """What the counterparty VASP needs to find the transfer: a Safe transaction's fields, or an account vault's."""
    from wallet_app.errors import WalletError

    try:
        tx = services.queue.entry(key).item.safe_tx
        return {"safe": tx.safe, "to": tx.to, "value": str(tx.value), "data": "0x" + tx.data.hex(),
                "nonce": tx.nonce}
    except WalletError:
        item = services.account_vaults.entry(key).item
        if item.tx is None:
            raise ConfigError(f"{key}'s stored transaction does not parse; it is not exported") from None
        return {"vault": item.vault, "to": item.tx.to, "value": str(item.tx.value), "data": "0x" + item.tx.data.hex(),
                "nonce": item.tx.nonce, "sent_tx_hash": item.sent_tx_hash}


def _export(args: argparse.Namespace) -> int:
    key = _hash(args.safe_tx_hash)
    if args.out.exists():
        raise ConfigError(f"{args.out} already exists; choose another file name")

    def work(services: Services) -> dict[str, Any]:
        document = services.compliance.travel_rule.export(key, _transfer(services, key))
        write_new_file(args.out, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        services.audit.record_export(kind="travel rule record", fmt="json", path=args.out, subject=key)
        return document

    document = with_services(args, work)
    print(f"Wrote the Travel Rule record of {key} (digest {document['digest']}) to {args.out}")
    return 0


def _attach(args: argparse.Namespace) -> int:
    from wallet_app.cli.safe_queue import read_travel_rule
    from wallet_app.compliance.attach import attach_travel_rule
    from wallet_app.domain.addresses import to_checksum

    key = _hash(args.safe_tx_hash)
    payload = read_travel_rule(args.file)
    assert payload is not None
    officer, password = to_checksum(args.key), read_secret_file(args.password_file, "password")
    digest = with_services(args, lambda s: attach_travel_rule(s.compliance.travel_rule, s.queue, key, payload,
                                                              officer, password))
    print(f"Attached the Travel Rule record to {key} (digest {digest})")
    return 0
