"""`custos statement`: a holding statement of one account at one block, as CSV, or as JSON or PDF (a proof bundle with
a proof of every holding, which `custos proof verify` checks; the PDF carries it as QR codes), logged as an export.

Every statement written is also kept, content and SHA-256, among the profile's issued documents
(`wallet_app.compliance.issued`; an evidence pack carries those of its period).

With `--sign-by VAULT` the statement goes to the approvals queue as a Safe message for the vault's owners to sign
(`custos safe approve HASH`); `--signed HASH` writes it with their signatures once they reach the threshold.

The core has no PDF writer (it has no Qt): the installed `custos` command hands it the desktop's as `pdf_renderer`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import Commands, with_services, write_new_file

if TYPE_CHECKING:
    from wallet_app.holdings.statement import Statement
    from wallet_app.services import Services

PdfRenderer = Callable[[Mapping[str, Any], Path], Path]  # a proof bundle (a statement's) typeset with its QR codes


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    statement = commands.add_parser("statement",
                                    help="write a holding statement of one account (CSV, PDF, or JSON with proofs)")
    statement.add_argument("--account", default=None, help="the account's address")
    statement.add_argument("--out", type=Path, required=True,
                           help="FILE.csv, FILE.pdf or FILE.json (with a proof of every holding)")
    statement.add_argument("--block", type=int, default=None, help="read at this block (default: the latest)")
    statement.add_argument("--sign-by", default=None, metavar="VAULT",
                           help="ask VAULT's owners to sign the statement: it goes to the approvals queue as a Safe "
                                "message (needs --key and --password-file; the policy decides who may ask)")
    statement.add_argument("--key", default=None, metavar="ADDRESS", help="with --sign-by: the key asking for it")
    statement.add_argument("--password-file", type=Path, default=None, metavar="F",
                           help="with --sign-by: the key's password (or PIN)")
    statement.add_argument("--signed", default=None, metavar="MESSAGE_HASH",
                           help="write the statement queued as this SafeMessage hash with its vault's signatures "
                                "(once they reach the threshold) instead of a new one")
    statement.set_defaults(handler=_statement)


def _statement(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.errors import ConfigError
    from wallet_app.holdings.statement import build_statement, render_csv

    out: Path = args.out
    kind = out.suffix.lower()
    if kind not in (".csv", ".pdf", ".json"):
        raise ConfigError(f"{out.name}: a statement is written as .csv, .pdf or .json")
    if kind == ".pdf" and args.pdf_renderer is None:
        raise ConfigError("This installation has no PDF writer (it needs the desktop part of Custos); use .csv")
    if out.exists():
        raise ConfigError(f"{out} already exists; choose another file name")
    if args.signed is not None:
        if args.account is not None or args.sign_by is not None or kind == ".csv":
            raise ConfigError("--signed writes a statement already queued (as .json or .pdf): give no --account, "
                              "--sign-by or .csv with it")
        return _signed_statement(args, out)
    if args.account is None:
        raise ConfigError("give --account (a new statement) or --signed MESSAGE_HASH (a statement already queued)")
    account = to_checksum(args.account)
    if args.sign_by is not None:
        if kind == ".csv":
            raise ConfigError("a statement for a vault to sign is written as .json or .pdf (with a proof of every "
                              "holding)")
        return _request_signed(args, account, out)
    if kind in (".json", ".pdf"):
        return _statement_json(args, account, out)

    def write(services: Services) -> Statement:
        profile = services.profile
        snapshot = services.holdings.fetch_holdings([account], args.block)
        statement = build_statement(snapshot, account, chain_id=profile.config.chain_id, network=profile.preset.name)
        data = render_csv(statement).encode("utf-8")
        write_new_file(out, data)
        keep_statement(services, out, data, account, statement.block_number)
        services.audit.record_export(kind="holding statement", fmt="csv", path=out, subject=account,
                                     detail={"block": statement.block_number})
        return statement

    statement = with_services(args, write)
    print(f"Wrote the statement of {account} at block {statement.block_number} to {out}")
    return 0


def _statement_json(args: argparse.Namespace, account: str, out: Path) -> int:
    from wallet_app.cli.common import print_lines
    from wallet_app.proofs.create import Created
    def write(services: Services) -> Created:
        created = services.proofs.statement(account, args.block)
        data = write_bundle(created.bundle, out, args.pdf_renderer)
        keep_statement(services, out, data, account, created.header.number)
        services.audit.record_export(kind="holding statement", fmt=out.suffix.lower()[1:], path=out, subject=account,
                                     detail={"block": created.header.number})
        return created

    created = with_services(args, write)
    lines = [f"Wrote the statement of {account} at block {created.header.number} with "
             f"{len(created.bundle['claims'])} proven claim(s) to {out}"]
    lines += [f"not proven: {u['asset']} {u['token_id']}: {u['reason']}".rstrip() for u in created.unproven]
    print_lines(lines)
    return 0


def _request_signed(args: argparse.Namespace, account: str, out: Path) -> int:
    from wallet_app.cli.common import print_lines, read_secret_file
    from wallet_app.cli.safe_messages import message_lines, vault_names
    from wallet_app.errors import ConfigError
    from wallet_app.policy.check_request import check_address

    vault = check_address(args.sign_by, "--sign-by")
    if args.key is None or args.password_file is None:
        raise ConfigError("--sign-by needs --key (who asks) and --password-file")
    key = check_address(args.key, "--key")
    password = read_secret_file(args.password_file, "password")

    def ask(services: Services) -> tuple[Any, dict[str, str], bool]:
        entry = services.proofs.request_signed_statement(account, vault, key, password, args.block)
        written = entry.state == "ready"
        if written:
            _write_signed(services, entry.message_hash, out, args.pdf_renderer)
        return entry, vault_names(services), written

    entry, names, written = with_services(args, ask)
    lines = [f"Queued the statement of {account} for {names.get(vault, '') or vault}'s owners to sign, as the Safe "
             f"message {entry.message_hash}: {entry.valid_signatures} valid signature(s) of threshold "
             f"{entry.threshold}"]
    lines += message_lines(entry, names)
    if written:
        lines.append(f"The threshold is reached: wrote the signed statement to {out}")
    else:
        lines += [f"Each owner approves it with: custos safe approve {entry.message_hash} --key OWNER "
                  "--password-file F",
                  f"Then write it with: custos statement --signed {entry.message_hash} --out {out}"]
    print_lines(lines)
    return 0


def _signed_statement(args: argparse.Namespace, out: Path) -> int:
    from wallet_app.queue.service import hash_arg

    message_hash = hash_arg(args.signed, "SafeMessage hash")

    def write(services: Services) -> dict[str, Any]:
        return _write_signed(services, message_hash, out, args.pdf_renderer)

    bundle = with_services(args, write)
    signature = bundle["signatures"][0]
    print(f"Wrote the statement of {bundle['statement']['account']} at block {bundle['block']['number']}, signed by "
          f"{len(signature['signatures'])} owner(s) of {signature['vault']} (threshold {signature['threshold']}), "
          f"to {out}")
    return 0


def _write_signed(services: Services, message_hash: str, out: Path, pdf_renderer: PdfRenderer | None,
                  ) -> dict[str, Any]:
    bundle = services.proofs.signed_statement(message_hash)
    data = write_bundle(bundle, out, pdf_renderer)
    keep_statement(services, out, data, str(bundle["statement"]["account"]), bundle["block"]["number"], signed=True)
    services.audit.record_export(kind="signed holding statement", fmt=out.suffix.lower()[1:], path=out,
                                 subject=str(bundle["statement"]["account"]),
                                 detail={"block": bundle["block"]["number"], "message_hash": message_hash})
    return bundle


def write_bundle(bundle: Mapping[str, Any], out: Path, pdf_renderer: PdfRenderer | None) -> bytes:
    """A statement's bundle as a new file: JSON, or (FILE.pdf) typeset by the desktop's PDF writer; the bytes
    written."""
    import tempfile

    from wallet_app.errors import ConfigError
    from wallet_app.proofs.bundle import bundle_json

    if out.suffix.lower() != ".pdf":
        data = bundle_json(bundle)
        write_new_file(out, data)
        return data
    if pdf_renderer is None:
        raise ConfigError("This installation has no PDF writer (it needs the desktop part of Custos); use .json")
    with tempfile.TemporaryDirectory(prefix=".custos-pdf-", dir=out.parent) as folder:
        data = pdf_renderer(bundle, Path(folder) / out.name).read_bytes()
    write_new_file(out, data)
    return data


def keep_statement(services: Services, out: Path, data: bytes, account: str, block: object, *,
                   signed: bool = False) -> str:
    """Keep a written statement among the profile's issued documents (content and SHA-256); its digest."""
    from wallet_app.audit.log import operator_name
    from wallet_app.compliance.issued import KIND_STATEMENT, IssuedDocuments

    what = "signed statement" if signed else "statement"
    return IssuedDocuments(services.profile.engine, services.profile.config.chain_id).record(
        None, kind=KIND_STATEMENT, subject=f"{what} of {account} at block {block}", file_name=out.name,
        content=data, issued_by=operator_name())
