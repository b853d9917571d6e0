"""`custos policy ...`: the policy in force, its changes under the governance quorum, and decisions on transactions.

`custos policy check` exits 0 when the policy allows the transaction, 1 when it denies it, 2 when it needs more
approvals (escalate). A command that cannot run (a bad address, a non-hex --data, a negative --value, an unknown
profile, a node that does not answer) also exits 1, with one line on stderr starting "custos: error:" and nothing on
stdout, so a script tells a deny (its decision on stdout) from an error. Argument errors of `policy` subcommands exit
1 too (argparse's own code, 2, means escalate here).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import (
    Commands,
    fail,
    print_json,
    print_lines,
    read_secret_file,
    visible_lines,
    with_profile,
    with_services,
)
from wallet_app.cli.policy_bundle import register_bundle_commands, with_policy_service
from wallet_app.cli.policy_text import (
    active_json,
    check_lines,
    draft_json,
    draft_lines,
    format_time,
    policy_state,
    show_lines,
)
from wallet_app.cli.tx_options import ExitOneParser, add_transaction_options, parse_uint, read_transaction
from wallet_app.errors import ConfigError, WalletError

if TYPE_CHECKING:
    from wallet_app.policy.checker import CheckResult
    from wallet_app.policy.decision_store import RecordedDecision
    from wallet_app.policy.governance import PolicyNotInForce
    from wallet_app.policy.service import PolicyService
    from wallet_app.policy.user_abi_book import UserAbiBook
    from wallet_app.policy.views import ActivePolicy, PolicyDraft
    from wallet_app.services import Services

EXIT_CODES = {"allow": 0, "deny": 1, "escalate": 2}
_DIGEST = re.compile(r"0x[0-9a-f]{64}")
CHECK_EPILOG = ("exit codes: 0 allow, 1 deny, 2 escalate (needs more approvals); an error (bad input, no profile, no "
                "node) also exits 1, with one line on stderr starting 'custos: error:' and nothing on stdout")


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    policy = commands.add_parser("policy", help="the transfer policy: show, check a transaction, propose, approve, "
                                                "reject, diff, decisions, export to and import on an offline signer")
    actions = policy.add_subparsers(dest="action", required=True, parser_class=ExitOneParser)
    show = actions.add_parser("show", help="the policy in force: version, digest, approvals, rules in plain words, "
                                           "drafts waiting")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_policy_show)

    check = actions.add_parser("check", help="decode a Safe transaction and decide on it under the policy in force",
                               epilog=CHECK_EPILOG)
    check.add_argument("--safe", required=True, metavar="ADDRESS", help="the vault (a Safe) that would send it")
    add_transaction_options(check, nonce_required=False, nonce_help="default: the vault's next nonce")
    check.add_argument("--proposer", default=None, metavar="ADDRESS",
                       help="who proposes it (the proposer's own approval never counts)")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=_policy_check)

    propose = actions.add_parser("propose", help="propose a policy file (TOML), signed by one of the profile's keys")
    propose.add_argument("file", type=Path, metavar="FILE")
    _key_arguments(propose)
    propose.add_argument("--json", action="store_true", help="print JSON")
    propose.set_defaults(handler=_policy_propose)
    approve = actions.add_parser("approve", help="approve a proposed policy (an owner of the governance vault)")
    approve.add_argument("digest", metavar="DIGEST")
    _key_arguments(approve)
    approve.add_argument("--json", action="store_true", help="print JSON")
    approve.set_defaults(handler=_policy_approve)
    reject = actions.add_parser("reject", help="reject an open proposal (an owner of the governance vault, or its "
                                               "proposer)")
    reject.add_argument("digest", metavar="DIGEST")
    _key_arguments(reject)
    reject.add_argument("--reason", default="", metavar="TEXT")
    reject.set_defaults(handler=_policy_reject)
    diff = actions.add_parser("diff", help="what a proposal changes in the policy it would replace")
    diff.add_argument("digest", metavar="DIGEST")
    diff.add_argument("--json", action="store_true", help="print JSON")
    diff.set_defaults(handler=_policy_diff)
    decisions = actions.add_parser("decisions", help="the recorded decisions, newest first")
    decisions.add_argument("--limit", default="50", metavar="N", help="how many (default 50)")
    decisions.add_argument("--json", action="store_true", help="print JSON")
    decisions.set_defaults(handler=_policy_decisions)
    register_bundle_commands(actions)

    abi = actions.add_parser("abi", help="ABIs you supply for contracts the decoder does not know (display only: "
                                         "a call decoded with one is never treated as a transfer)")
    abi_actions = abi.add_subparsers(dest="abi_action", required=True, parser_class=ExitOneParser)
    abi_add = abi_actions.add_parser("add", help="keep an ABI (JSON) for the contract at ADDRESS")
    abi_add.add_argument("address", metavar="ADDRESS")
    abi_add.add_argument("file", type=Path, metavar="FILE", help="a JSON ABI: a list of fragments, or {\"abi\": [...]}")
    abi_add.set_defaults(handler=_policy_abi_add)
    abi_list = abi_actions.add_parser("list", help="the contracts with an ABI, and their functions")
    abi_list.add_argument("--json", action="store_true", help="print JSON")
    abi_list.set_defaults(handler=_policy_abi_list)
    abi_remove = abi_actions.add_parser("remove", help="forget the ABI of the contract at ADDRESS")
    abi_remove.add_argument("address", metavar="ADDRESS")
    abi_remove.set_defaults(handler=_policy_abi_remove)


def _key_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", required=True, metavar="ADDRESS", help="the profile key that signs")
    parser.add_argument("--password-file", type=Path, required=True, help="the key's password (or PIN)")


def _abi_book(args: argparse.Namespace) -> UserAbiBook:
    """The profile's user ABI book; needs no chain."""
    from wallet_app.policy.checker_setup import policy_directory
    from wallet_app.policy.user_abi_book import UserAbiBook

    return with_profile(args, lambda profile: UserAbiBook(directory=policy_directory(profile.paths)))


def _policy_abi_add(args: argparse.Namespace) -> int:
    from wallet_app.policy.user_abis import MAX_ABI_BYTES

    try:
        with args.file.open("rb") as handle:
            raw = handle.read(MAX_ABI_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"Cannot read {args.file}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{args.file} is not UTF-8 text") from None
    abi = _abi_book(args).save_abi(args.address, text)
    print(f"Kept the ABI of {abi.address}: {len(abi.functions)} functions. Calls to it are now shown by name; the "
          "policy still never treats them as transfers.")
    return 0


def _policy_abi_list(args: argparse.Namespace) -> int:
    abis = _abi_book(args).load_all()
    if args.json:
        print_json([{"address": a.address, "functions": [f.signature for f in a.functions]}
                   for a in abis.values()])
        return 0
    if not abis:
        print("No ABIs kept.")
    for abi in abis.values():
        print(f"{abi.address}  {len(abi.functions)} functions")
        for function in abi.functions:
            print(f"    {visible_lines(function.signature)}")
    return 0


def _policy_abi_remove(args: argparse.Namespace) -> int:
    if not _abi_book(args).remove_abi(args.address):
        raise ConfigError(f"No ABI is kept for {args.address}")
    print(f"Forgot the ABI of {args.address}.")
    return 0


def _build_request(args: argparse.Namespace) -> Any:
    request, _checked = read_transaction(args, proposer=args.proposer)  # refused before the profile and the chain
    return request


def _policy_check(args: argparse.Namespace) -> int:
    try:
        request = _build_request(args)
        result: CheckResult = with_services(args, lambda services: services.policy_checker.check(request))
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json(result.to_json())
    else:
        print_lines(check_lines(result))
    return EXIT_CODES[result.decision.decision]


def _policy_show(args: argparse.Namespace) -> int:
    from wallet_app.policy.governance import PolicyNotInForce

    def work(policy: PolicyService, names: dict[str, str]) -> tuple[ActivePolicy | None, PolicyNotInForce | None,
                                                                    list[PolicyDraft], dict[str, str]]:
        try:
            active, problem = policy.active(), None
        except PolicyNotInForce as exc:
            active, problem = None, exc
        return active, problem, policy.drafts(), names

    active, problem, drafts, names = with_policy_service(args, work)  # an offline profile: no chain
    if args.json:
        print_json({"state": policy_state(problem), "reason": problem.user_message if problem else None,
                   "active": active_json(active) if active else None,
                   "drafts": [draft_json(d) for d in drafts]})
    else:
        print_lines(show_lines(active, problem, drafts, names))
    return 0 if active is not None else 1


def _digest_argument(text: str) -> str:
    digest = text.strip().lower()
    digest = digest if digest.startswith("0x") else "0x" + digest
    if not _DIGEST.fullmatch(digest):
        raise ConfigError(f"'{text[:70]}' is not a policy digest (0x and 64 hex digits, as `policy show` prints it)")
    return digest


def _signing_inputs(args: argparse.Namespace) -> tuple[str, str]:
    from wallet_app.domain.addresses import to_checksum

    return to_checksum(args.key), read_secret_file(args.password_file, "password")


def _print_draft(draft: PolicyDraft, as_json: bool, what: str) -> None:
    if as_json:
        print_json(draft_json(draft))
        return
    print(f"{what} version {draft.version} ({draft.digest}); it is now {draft.state}")
    print_lines(draft_lines(draft, {}), indent="  ")


def _policy_propose(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The policy file {args.file} cannot be read ({exc.__class__.__name__})") from None
    key, password = _signing_inputs(args)
    draft = with_services(args, lambda services: services.policy.propose(text, key, password))
    _print_draft(draft, args.json, "Proposed")
    return 0


def _policy_approve(args: argparse.Namespace) -> int:
    digest = _digest_argument(args.digest)
    key, password = _signing_inputs(args)
    draft = with_services(args, lambda services: services.policy.approve(digest, key, password))
    _print_draft(draft, args.json, "Approved")
    return 0


def _policy_reject(args: argparse.Namespace) -> int:
    digest = _digest_argument(args.digest)
    key, password = _signing_inputs(args)
    draft = with_services(args, lambda services: services.policy.reject(digest, key, password, reason=args.reason))
    _print_draft(draft, False, "Rejected")
    return 0


def _policy_diff(args: argparse.Namespace) -> int:
    digest = _digest_argument(args.digest)

    def work(services: Services) -> tuple[Any, list[Any]]:
        record = next((e.record for e in services.policy.history() if e.record.digest == digest), None)
        return record, services.policy.compare(digest)

    record, changes = with_services(args, work)
    loosens = any(c.direction == "loosens" for c in changes)
    if args.json:
        print_json({"digest": digest, "version": record.version if record else None,
                   "state": record.state if record else None,
                   "supersedes": record.supersedes if record else None, "loosens": loosens,
                   "changes": [{"direction": c.direction, "text": c.text} for c in changes]})
        return 0
    if record is not None and record.supersedes is None:
        print(f"Version {record.version} ({digest}) is a first policy: it replaces nothing.")
        return 0
    head = f"version {record.version} against the policy it would replace ({record.supersedes})" if record else digest
    print(f"Changes of {head}:")
    for change in changes:
        print(f"  {change.direction:<8}  {visible_lines(change.text)}")
    verdict = "it LOOSENS the policy: it waits the cooling-off after its quorum" if loosens else \
        "it only tightens the policy: it takes effect at its quorum"
    print(f"Overall: {verdict}")
    return 0


def _policy_decisions(args: argparse.Namespace) -> int:
    limit = parse_uint(args.limit, "--limit")
    if not 1 <= limit <= 10_000:
        raise ConfigError("--limit must be from 1 to 10000")
    recorded: list[RecordedDecision] = with_services(
        args, lambda services: services.policy_checker.recent_decisions(limit))
    if args.json:
        print_json([r.to_json() for r in recorded])
        return 0
    if not recorded:
        print("No decisions recorded.")
    for r in recorded:
        policy = f"policy v{r.policy_version}" if r.policy_version is not None else "no policy in force"
        print(f"#{r.id}  {format_time(r.checked_at)}  {r.decision.upper():<8}  {r.safe} nonce {r.nonce}  {policy}")
        print(f"    safeTxHash {r.safe_tx_hash}")
        print_lines(visible_lines(r.intent_text).split("\n"), indent="    ")
        for v in r.rules:
            if v.verdict in ("deny", "escalate"):
                print(f"    {v.verdict}: {visible_lines(v.id)}: {visible_lines(v.reason)}")
    return 0
