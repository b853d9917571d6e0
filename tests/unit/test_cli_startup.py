"""`custos --version` and `custos --help` start in a fraction of a second: building the parser imports no database,
chain or crypto library (each command imports what it needs when it runs). An import at the top of a command
module once made every CLI run, and every test that runs the CLI as a process, pay most of a second."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "web3", "eth_keys", "eth_account", "cryptography", "shamir_mnemonic", "PySide6")


def test_building_the_parser_imports_no_heavy_library() -> None:
    code = ("import json, sys; from wallet_app.cli.program import build_parser; build_parser(); "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                       timeout=60).stdout)
    assert loaded == [], f"the CLI's parser imports {loaded}: import them inside the command that needs them"
