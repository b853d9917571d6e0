"""`custos safe ...`: Safe vaults and their transactions.

`custos safe tx-hash` computes, offline, the three EIP-712 hashes of one Safe transaction from its raw fields: the
domain hash and the message hash (what a hardware wallet shows when it signs a SafeTx) and the safeTxHash (what the
Safe app, the other signers and the chain know it by). It opens no profile and no chain, so it runs on a machine that
has neither, for out-of-band comparison (SC-6). Safe 1.0.0 to 1.5.0 are known; before 1.3.0 the domain has no chain
id, so a signature is valid on every chain where the same address holds that Safe, which it says (SC-10).

Every `safe` subcommand is registered in `register`, by a `_add_<name>(actions)` function here or by the `register` of
a sibling module (`safe_vaults`: `safe add`, `safe deploy`; `safe_queue`: the approval queue), with a handler
returning the exit code. Argument errors and bad input exit 1 with one line on stderr starting "custos: error:" and
nothing on stdout.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

from wallet_app.cli import safe_messages, safe_queue, safe_vaults
from wallet_app.cli.common import Commands, fail, print_json, print_lines
from wallet_app.cli.tx_options import ExitOneParser, add_transaction_options, parse_uint, read_transaction
from wallet_app.domain.hex_text import chunk_hex
from wallet_app.errors import ConfigError, WalletError

if TYPE_CHECKING:
    from wallet_app.domain.safe_tx import SafeTx, SafeTxHashes

KNOWN_SAFE_VERSIONS = ("1.0.0", "1.1.0", "1.1.1", "1.2.0", "1.3.0", "1.4.0", "1.4.1", "1.5.0")
_VERSION = re.compile(r"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})(\+L2)?")
TX_HASH_EPILOG = ("Works offline: it reads no profile and asks no node. Compare domain_hash and message_hash with what "
                  "the hardware wallet shows, safe_tx_hash with the Safe app and the other signers. Exit code 0; bad "
                  "input exits 1 with one line on stderr starting 'custos: error:' and nothing on stdout")


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    safe = commands.add_parser("safe", help="Safe vaults and their transactions: add, deploy, the hashes of a SafeTx "
                                            "(offline)")
    actions = safe.add_subparsers(dest="action", required=True, parser_class=ExitOneParser, metavar="ACTION")
    _add_tx_hash(actions)
    safe_vaults.register(actions)  # safe add, safe deploy
    safe_queue.register(actions)  # safe propose, queue, approve, reject, execute, import-signature, import
    safe_messages.register(actions)  # safe messages


def _add_tx_hash(actions: Commands[ExitOneParser]) -> None:
    tx_hash = actions.add_parser(
        "tx-hash", help="the domain hash, message hash and safeTxHash of a Safe transaction, computed offline",
        description="Compute the EIP-712 hashes of one Safe transaction from its raw fields, offline.",
        epilog=TX_HASH_EPILOG,
    )
    tx_hash.add_argument("--chain-id", required=True, metavar="N", help="the chain the Safe is on (1 or more)")
    tx_hash.add_argument("--safe", required=True, metavar="ADDRESS", help="the Safe (vault) that would send it")
    tx_hash.add_argument("--version", required=True, metavar="V",
                         help=f"the Safe's version: {', '.join(KNOWN_SAFE_VERSIONS)} (an L2 variant such as "
                              "1.3.0+L2 hashes as its base version)")
    add_transaction_options(tx_hash, nonce_required=True,
                            nonce_help="the Safe's nonce for this transaction (required: offline there is no vault "
                                       "to ask for its next nonce)")
    tx_hash.add_argument("--json", action="store_true", help="print JSON")
    tx_hash.set_defaults(handler=_safe_tx_hash)


# -- tx-hash ----------------------------------------------------------------------------------------------------------

def check_safe_version(text: str) -> str:
    """`text` if it names a known Safe version (or its L2 variant), else ConfigError listing the known ones."""
    version = text.strip(" \t")
    match = _VERSION.fullmatch(version)
    if match is None or match.group(1) not in KNOWN_SAFE_VERSIONS:
        shown = version.encode("ascii", "backslashreplace").decode("ascii")[:30]
        raise ConfigError(f"--version '{shown}' is not a Safe version Custos knows; the known versions are "
                          f"{', '.join(KNOWN_SAFE_VERSIONS)} (an L2 variant such as 1.3.0+L2 hashes as its base "
                          "version)")
    return version


def read_safe_tx(args: argparse.Namespace) -> SafeTx:
    """The SafeTx given by the options of `custos safe tx-hash`, checked; a WalletError names the first bad one."""
    from wallet_app.domain.safe_tx import Operation, SafeTx
    from wallet_app.domain.units import MAX_UINT256

    chain_id = parse_uint(args.chain_id, "--chain-id")
    if not 1 <= chain_id <= MAX_UINT256:
        raise ConfigError(f"--chain-id must be 1 or more and below 2**256 (got {str(chain_id)[:40]})")
    version = check_safe_version(args.version)
    _request, fields = read_transaction(args)
    assert fields.nonce is not None  # --nonce is required
    return SafeTx(
        safe=fields.safe, chain_id=chain_id, version=version, to=fields.to, value=fields.value, data=fields.data,
        operation=Operation(fields.operation), nonce=fields.nonce, safe_tx_gas=fields.safe_tx_gas,
        base_gas=fields.base_gas, gas_price=fields.gas_price, gas_token=fields.gas_token,
        refund_receiver=fields.refund_receiver,
    )


def tx_hash_warnings(tx: SafeTx) -> list[str]:
    from wallet_app.domain.safe_tx import uses_legacy_domain

    if not uses_legacy_domain(tx.version):
        return []
    return [f"Safe {tx.version} has no chain id in its EIP-712 domain (SC-10): a signature over this safe_tx_hash is "
            "valid on every chain where this address holds this Safe, so it can be replayed there; migrate the vault "
            "to Safe 1.3.0 or later"]


def tx_hash_json(tx: SafeTx, hashes: SafeTxHashes) -> dict[str, Any]:
    from wallet_app.domain.safe_tx import safe_tx_json, uses_legacy_domain

    return {
        "safe_tx": safe_tx_json(tx),
        "domain_hash": "0x" + hashes.domain_hash.hex(),
        "message_hash": "0x" + hashes.message_hash.hex(),
        "safe_tx_hash": "0x" + hashes.safe_tx_hash.hex(),
        "domain_has_chain_id": not uses_legacy_domain(tx.version),
        "warnings": tx_hash_warnings(tx),
    }


def tx_hash_lines(tx: SafeTx, hashes: SafeTxHashes) -> list[str]:
    from wallet_app.domain.safe_tx import uses_legacy_domain

    domain = ("EIP712Domain(address verifyingContract): no chain id" if uses_legacy_domain(tx.version)
              else f"EIP712Domain(uint256 chainId,address verifyingContract): chain id {tx.chain_id}")
    lines = [f"Safe {tx.version} at {tx.safe}, chain id {tx.chain_id}, nonce {tx.nonce}",
             f"domain        {domain}"]
    for name, digest in (("domain_hash", hashes.domain_hash), ("message_hash", hashes.message_hash),
                         ("safe_tx_hash", hashes.safe_tx_hash)):
        lines += [f"{name:<13} 0x{digest.hex()}", f"{'':<13} {chunk_hex(digest)}"]
    lines += [f"WARNING: {warning}" for warning in tx_hash_warnings(tx)]
    return lines


def _safe_tx_hash(args: argparse.Namespace) -> int:
    from wallet_app.domain.safe_tx import compute_hashes

    try:
        tx = read_safe_tx(args)
        hashes = compute_hashes(tx)
    except WalletError as exc:
        return fail(exc)
    if args.json:
        print_json(tx_hash_json(tx, hashes))
    else:
        print_lines(tx_hash_lines(tx, hashes))
    return 0
