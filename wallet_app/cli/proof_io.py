"""What the proof commands share: reading JSON files given on the command line, their exit codes, and printing a
verdict as text or JSON.

`custos proof` and `custos reserves` exit 0 when the proof is valid (provisional or not), 1 when it is invalid and 2
when the input cannot be used, whatever the reason.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import print_json, print_lines, visible_lines
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.proofs.checks import Verdict

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def read_json_file(path: Path, what: str) -> Any:
    from wallet_app.proofs.bundle import load_json, read_limited

    return load_json(read_limited(path, what), f"the {what} {path.name}")


def rpc_result(raw: Any, what: str) -> Any:
    """A bare JSON-RPC result, or the result of a whole JSON-RPC response."""
    from wallet_app.proofs.errors import UnusableInput

    if isinstance(raw, dict) and "jsonrpc" in raw:
        if "error" in raw:
            raise UnusableInput(f"the {what} is a JSON-RPC error reply: {str(raw['error'])[:200]}")
        if "result" not in raw:
            raise UnusableInput(f"the {what} is a JSON-RPC reply without a result")
        return raw["result"]
    return raw


def run_check(args: Any, check: Callable[[], Verdict]) -> int:
    """Runs a check and prints its verdict; any failure to read the input is exit 2, never a traceback."""
    from wallet_app.proofs.errors import ProofInvalid, UnusableInput

    try:
        verdict = check()
    except UnusableInput as exc:
        return _unusable(args, exc.user_message)
    except ProofInvalid as exc:
        return _report(args, None, exc.user_message)
    except WalletError as exc:
        return _unusable(args, exc.user_message)
    return _report(args, verdict, "")


def _unusable(args: Any, message: str) -> int:
    if args.json:
        print_json({"valid": False, "provisional": False, "checks": [{"name": "input", "ok": False,
                                                                      "detail": message}], "claims": []})
    print(f"custos: unusable input: {visible_lines(message)}", file=sys.stderr)
    return EXIT_UNUSABLE


def _report(args: Any, verdict: Verdict | None, failure: str) -> int:
    if verdict is None:
        if args.json:
            print_json({"valid": False, "provisional": False,
                        "checks": [{"name": "proof", "ok": False, "detail": failure}], "claims": []})
        else:
            print_lines([f"FAIL  proof: {visible_lines(failure)}", "INVALID"])
        return EXIT_INVALID
    if args.json:
        print_json(verdict.to_json())
    else:
        print_lines(visible_lines(line) for line in verdict.lines())
    return EXIT_VALID if verdict.valid else EXIT_INVALID
