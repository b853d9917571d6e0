"""`custos evidence export|verify`: an evidence pack for an inspector, and its check.

- `evidence export --from DATE --to DATE --out FILE.zip --key ADDRESS --password-file F` writes a zip of the period
  (UTC days, both included): the audit log with its verification and heads, every policy version with its approvals,
  every transfer proposed in the period (decoded intent, decisions, signatures, Travel Rule record, receipt), the
  address book with proofs of ownership, the statements and storage reports issued, README.txt, and manifest.json
  (every file's size and SHA-256, described in English and Traditional Chinese) signed by the key (manifest.sig,
  EIP-191). The exporter and the manifest's SHA-256 go into the audit log. A refusal (dates, an existing file, a
  wrong password) writes and records nothing.
- `evidence verify FILE.zip [--json]` checks a pack with nothing but the zip: one line per check, exit 0 when every
  check holds, 1 otherwise (also for a file that is missing or not a zip: one line saying so).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import EXIT_ERROR, Commands, print_json, print_lines, read_secret_file, with_profile

if TYPE_CHECKING:
    from wallet_app.evidence.export import EvidenceExport
    from wallet_app.profiles import Profile

EXPORT_EPILOG = ("The pack is written to a new file only (never over one), under a temporary name first, and read back "
                 "and verified before the export is recorded. Receipts are read from the profile's node when it "
                 "answers; otherwise each says 'not fetched' and the export goes on.")
VERIFY_EPILOG = "exit codes: 0 every check holds, 1 a check failed or the file cannot be read as a pack"


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    evidence = commands.add_parser("evidence", help="an evidence pack for inspectors: export a signed zip of a "
                                                    "period's records, verify one")
    actions = evidence.add_subparsers(dest="evidence_command", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export", help="write the evidence pack of a period, its manifest signed by an officer's key",
        description="Write a zip an inspector can check alone: the audit log, policy versions, transfers, address "
                    "book and documents issued in the period, with a manifest of SHA-256 digests signed (EIP-191) "
                    "by --key.", epilog=EXPORT_EPILOG)
    export.add_argument("--from", dest="first_day", required=True, metavar="DATE",
                        help="the first day of the period, YYYY-MM-DD (UTC)")
    export.add_argument("--to", dest="last_day", required=True, metavar="DATE",
                        help="the last day of the period, included, YYYY-MM-DD (UTC)")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.zip", help="a new file (never overwritten)")
    export.add_argument("--key", required=True, metavar="ADDRESS",
                        help="the exporting officer's key of this profile: it signs the manifest")
    export.add_argument("--password-file", type=Path, required=True, metavar="F", help="the key's password (or PIN)")
    export.add_argument("--json", action="store_true", help="print JSON")
    export.set_defaults(handler=_export)
    verify = actions.add_parser("verify", help="check an evidence pack: the manifest's signature, every file's "
                                               "digest, the audit hash chain; exit 1 naming what fails",
                                epilog=VERIFY_EPILOG)
    verify.add_argument("file", type=Path, metavar="FILE.zip")
    verify.add_argument("--json", action="store_true", help="print JSON: ok, signer, checks")
    verify.set_defaults(handler=_verify)


def _export(args: argparse.Namespace) -> int:
    from wallet_app.evidence.export import check_output, export_evidence
    from wallet_app.evidence.period import build_period
    from wallet_app.evidence.setup import build_evidence_sources
    from wallet_app.policy.check_request import check_address

    period = build_period(args.first_day, args.last_day)
    out = check_output(args.out)
    key = check_address(args.key, "--key")
    password = read_secret_file(args.password_file, "password")

    def work(profile: Profile) -> EvidenceExport:
        sources = build_evidence_sources(profile)
        try:
            return export_evidence(sources, period=period, out=out, key=key, password=password)
        finally:
            sources.receipts.close()
            sources.keys.lock_all()

    result = with_profile(args, work)
    if args.json:
        print_json(result.to_json())
        return 0
    missing = f"; {result.receipts_missing} receipt(s) not fetched (see the pack)" if result.receipts_missing else ""
    print_lines([f"Wrote the evidence pack of {period.text()} to {out}: {result.files} files, {result.size:,} bytes",
                 f"Manifest SHA-256: {result.manifest_sha256}",
                 f"Signed by {result.exporter}; recorded as audit entry {result.audit_seq}{missing}",
                 f"Check it with: custos evidence verify {out}"])
    return 0


def _verify(args: argparse.Namespace) -> int:
    from wallet_app.evidence.verify import verify_pack

    report = verify_pack(args.file)
    if args.json:
        print_json(report.to_json())
    else:
        print_lines(report.lines())
    return 0 if report.ok else EXIT_ERROR
