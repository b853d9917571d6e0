"""`custos proof create | verify | check-rpc`: ownership proofs that anyone checks without trusting Custos or a node.

`verify` and `check-rpc` need no profile: an investor or auditor runs them with nothing but the file (and, if they
wish, RPC endpoints of their own choosing). Exit codes: 0 valid (provisional or not), 1 invalid, 2 unusable input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, print_lines, with_services
from wallet_app.cli.proof_io import read_json_file, rpc_result, run_check
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.proofs.checks import Verdict
    from wallet_app.proofs.create import Created
    from wallet_app.services import Services



def register(commands: Commands[argparse.ArgumentParser]) -> None:
    proof = commands.add_parser("proof", help="make and check ownership proofs (EIP-1186) of holdings")
    sub = proof.add_subparsers(dest="proof_command", required=True, metavar="COMMAND")

    create = sub.add_parser("create", help="prove one holding at one block and write the bundle as JSON")
    create.add_argument("--account", required=True, help="the holder's address")
    create.add_argument("--asset", default=None, help="the token's address (default: the native coin)")
    create.add_argument("--token-id", type=_whole, default=None, help="the token id (ERC-721, ERC-1155)")
    create.add_argument("--block", type=_whole, default=None, help="prove at this block (default: the latest)")
    create.add_argument("--op-stack", action="store_true",
                        help="also prove the L2ToL1MessagePasser, so that the block can be checked against an L2 "
                             "output root (always done on HashKey Chain)")
    create.add_argument("--out", type=Path, required=True, help="FILE.json to write")
    create.set_defaults(handler=_create)

    verify = sub.add_parser("verify", help="check a proof bundle: header, trie proofs, claims, signatures")
    verify.add_argument("file", type=Path, help="the bundle (JSON)")
    verify.add_argument("--rpc-url", action="append", default=[], metavar="URL",
                        help="an endpoint to fetch the block header from; repeat it: all must agree, and two or more "
                             "agreeing on a final block make the verdict final")
    verify.add_argument("--header-file", type=Path, default=None,
                        help="a block (eth_getBlockByNumber reply) you trust, to check the bundle offline")
    verify.add_argument("--output-root", default=None, metavar="HEX",
                        help="an OP Stack L2 output root read from L1, to anchor the block to L1")
    verify.add_argument("--l1-rpc-url", default=None, metavar="URL",
                        help="an L1 endpoint where the OP Stack chain's L2OutputOracle publishes output roots")
    verify.add_argument("--output-oracle", default=None, metavar="ADDRESS",
                        help="the L2OutputOracle's address on L1 (with --l1-rpc-url)")
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=_verify)

    check = sub.add_parser("check-rpc", help="check a node's eth_getBlockByNumber and eth_getProof replies offline")
    check.add_argument("--block-file", type=Path, required=True, help="BLOCK.json: the eth_getBlockByNumber reply")
    check.add_argument("--proof-file", type=Path, required=True,
                       help="PROOF.json: the eth_getProof reply (or a list of them) at that block")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    check.set_defaults(handler=_check_rpc)


def _whole(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 78:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
    return int(text)


def _create(args: argparse.Namespace) -> int:
    from wallet_app.domain.addresses import to_checksum
    from wallet_app.proofs.bundle import bundle_json
    from wallet_app.proofs.create import Target
    from wallet_app.storage.atomic import write_atomic

    out: Path = args.out
    if out.suffix.lower() != ".json":
        raise ConfigError(f"{out.name}: a proof bundle is written as .json")
    if out.exists():
        raise ConfigError(f"{out} already exists; choose another file name")
    target = Target(to_checksum(args.account), to_checksum(args.asset) if args.asset else None, args.token_id)

    def work(services: Services) -> Created:
        created = services.proofs.prove([target], args.block, op_stack=args.op_stack)
        write_atomic(out, bundle_json(created.bundle), mode=0o644)
        services.audit.record_export(kind="ownership proof", fmt="json", path=out, subject=target.account,
                                     detail={"block": created.header.number, "asset": target.asset or "native"})
        return created

    created = with_services(args, work)
    claims = [f"  {claim['text']}" for claim in created.bundle["claims"]]
    print_lines([f"Wrote a proof of {len(claims)} claim(s) at block {created.header.number} "
                 f"(hash 0x{created.header.hash.hex()}) to {out}", *claims, *(f"note: {n}" for n in created.notes)])
    return 0


def _verify(args: argparse.Namespace) -> int:
    def check() -> Verdict:
        from wallet_app.chain.connect import http_client
        from wallet_app.proofs.anchor import Anchors
        from wallet_app.proofs.bundle import address, hex_bytes, read_bundle
        from wallet_app.proofs.errors import UnusableInput
        from wallet_app.proofs.header import check_block_json
        from wallet_app.proofs.verify import verify_bundle

        bundle = read_bundle(read_json_file(args.file, "bundle"))
        header = None
        if args.header_file is not None:
            header = check_block_json(_block(read_json_file(args.header_file, "header file"), "header file"))
        output_root = hex_bytes(args.output_root, "--output-root", size=32) if args.output_root else None
        endpoints = [http_client(url, "") for url in args.rpc_url]
        oracle = None
        if (args.l1_rpc_url is None) != (args.output_oracle is None):
            raise UnusableInput("--l1-rpc-url and --output-oracle go together")
        if args.l1_rpc_url is not None:
            oracle = (http_client(args.l1_rpc_url, "L1"), address(args.output_oracle, "--output-oracle"))
        return verify_bundle(bundle, Anchors(header=header, endpoints=endpoints, output_root=output_root,
                                             output_oracle=oracle))

    return run_check(args, check)


def _check_rpc(args: argparse.Namespace) -> int:
    def check() -> Verdict:
        from wallet_app.proofs.rpc_check import check_rpc_replies

        block = _block(rpc_result(read_json_file(args.block_file, "block file"), "block file"), "block file")
        proofs = rpc_result(read_json_file(args.proof_file, "proof file"), "proof file")
        return check_rpc_replies(block, proofs if isinstance(proofs, list) else [proofs])

    return run_check(args, check)


def _block(raw: object, what: str) -> dict[str, object]:
    from wallet_app.proofs.errors import UnusableInput

    result = rpc_result(raw, what)
    if not isinstance(result, dict):
        raise UnusableInput(f"the {what} is not a block (an eth_getBlockByNumber result object)")
    return result
