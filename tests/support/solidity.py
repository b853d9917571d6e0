"""Compile a test contract of tests/contracts with the pinned solc from npm (`make test` installs it) and deploy it on
anvil from its first unlocked account."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@functools.cache
def compile_contracts(file_name: str) -> dict[str, Any]:
    """Contract name -> {"abi", "evm": {"bytecode": {"object"}}} for tests/contracts/`file_name`."""
    source = (REPO / "tests" / "contracts" / file_name).read_text()
    solc = REPO / "node_modules" / "solc"
    node = shutil.which("node")
    assert node and (solc / "package.json").is_file(), "node and the pinned solc are needed: run `make test`"
    request = {"language": "Solidity", "sources": {"C.sol": {"content": source}},
               "settings": {"evmVersion": "shanghai", "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}}
    script = ("const solc = require(process.argv[1]); let input = '';"
              "process.stdin.on('data', d => input += d).on('end', () => process.stdout.write(solc.compile(input)));")
    done = subprocess.run([node, "-e", script, str(solc)], input=json.dumps(request), capture_output=True, text=True,
                          timeout=300, check=True)
    output = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    assert not errors, errors
    return dict(output["contracts"]["C.sol"])


def deploy(anvil: str, compiled: dict[str, Any], *args: Any) -> Any:
    """The contract deployed on anvil (a web3 contract object with `.sender`, the account that deployed it)."""
    from web3 import HTTPProvider, Web3

    w3 = Web3(HTTPProvider(anvil))
    sender = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=compiled["abi"], bytecode=compiled["evm"]["bytecode"]["object"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": sender}))
    contract = w3.eth.contract(address=receipt["contractAddress"], abi=compiled["abi"])
    contract.sender = sender
    return contract
