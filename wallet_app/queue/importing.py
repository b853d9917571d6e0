"""Importing a Safe transaction made elsewhere (another desktop's export, the Safe app, a Safe Transaction Service
reply) into the queue, with the co-signers' signatures it carries.

Accepted: one JSON object, either in Custos's form (`safe_tx` with the raw fields, as `custos safe tx-hash --json`
and `custos safe queue --json` print them) or in the Safe Transaction Service's (camelCase: safe, to, value, data,
operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce, safeTxHash, confirmations[{owner,
signature}]). Nothing in the file is trusted: every field is checked strictly (B3/B4 addresses, uint256 numbers,
0x hex data), a `safe_tx_hash`/`safeTxHash` it states must equal the hash Custos computes from the fields, the
transaction is proposed through the queue (policy checked, the proposal record signed by the importing officer's
key) and each signature is verified against the vault's owners before it is stored; one that does not count is
reported with its reason and left out. A malformed file changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from wallet_app.errors import WalletError
from wallet_app.keys.signer import Signer
from wallet_app.policy.check_request import CheckInputError, CheckRequest, check_address
from wallet_app.queue.errors import QueueError
from wallet_app.queue.views import ProposalResult, QueueEntry

MAX_FILE_BYTES = 1024 * 1024
MAX_SIGNATURES = 100


class ProposingQueue(Protocol):
    """What importing needs of the queue (`QueueService`): propose as a signer, then add verified signatures."""

    def propose_with(self, request: CheckRequest, signer: Signer, *, expect_hash: str | None = None,
                     travel_rule: Mapping[str, Any] | None = None) -> ProposalResult: ...
    def import_signature(self, safe_tx_hash: str, signature: str, owner: str | None = None) -> QueueEntry: ...


class ImportFormatError(QueueError):
    """The file is not a Safe transaction Custos can read; nothing was queued."""

    code = "import_format"


@dataclass(frozen=True, slots=True)
class ImportedTransaction:
    request: CheckRequest  # nonce always set
    stated_hash: str | None  # the safeTxHash the file states, lowercase; None when it states none
    signatures: tuple[tuple[str | None, str], ...]  # (claimed owner, signature hex)


@dataclass(frozen=True, slots=True)
class ImportResult:
    proposal: ProposalResult
    entry: QueueEntry | None  # after the signatures were added; None when the policy denied it
    accepted: tuple[str, ...]  # owners whose signature was stored
    refused: tuple[str, ...]  # "owner: reason" for each signature left out


def parse_transaction_file(raw: bytes) -> ImportedTransaction:
    if len(raw) > MAX_FILE_BYTES:
        raise ImportFormatError(f"The file is {len(raw):,} bytes; a Safe transaction file is at most 1 MiB")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFormatError(f"The file is not JSON text: {str(exc)[:120]}") from None
    if not isinstance(document, dict):
        raise ImportFormatError("The file must hold one JSON object (a Safe transaction)")
    fields = document.get("safe_tx", document)
    if not isinstance(fields, dict):
        raise ImportFormatError("safe_tx must be an object with the transaction's fields")
    try:
        request = CheckRequest(
            safe=check_address(_pick(fields, "safe"), "safe"),
            to=check_address(_pick(fields, "to"), "to"),
            value=_uint(fields, "value", default=0),
            data=_hex(_pick(fields, "data", default="0x")),
            operation=_operation(_pick(fields, "operation", default=0)),
            safe_tx_gas=_uint(fields, "safe_tx_gas", "safeTxGas", default=0),
            base_gas=_uint(fields, "base_gas", "baseGas", default=0),
            gas_price=_uint(fields, "gas_price", "gasPrice", default=0),
            gas_token=check_address(_pick(fields, "gas_token", "gasToken", default="0x" + "0" * 40), "gas_token"),
            refund_receiver=check_address(_pick(fields, "refund_receiver", "refundReceiver",
                                                default="0x" + "0" * 40), "refund_receiver"),
            nonce=_uint(fields, "nonce"),
        )
    except CheckInputError as exc:
        raise ImportFormatError(f"The file's transaction is not usable: {exc.user_message}") from None
    stated = document.get("safe_tx_hash", document.get("safeTxHash", fields.get("safeTxHash")))
    if stated is not None and not (isinstance(stated, str) and len(stated) == 66 and stated.startswith("0x")):
        raise ImportFormatError("safe_tx_hash must be 0x and 64 hex digits")
    return ImportedTransaction(request, None if stated is None else stated.lower(), _signatures(document))


def import_transaction(queue: ProposingQueue, raw: bytes, signer: Signer, *,
                       travel_rule: Mapping[str, Any] | None = None) -> ImportResult:
    """Propose the file's transaction as `signer` (the importing officer) and add the signatures that verify."""
    imported = parse_transaction_file(raw)
    proposal = queue.propose_with(imported.request, signer, expect_hash=imported.stated_hash,
                                  travel_rule=travel_rule)
    if proposal.entry is None:
        return ImportResult(proposal, None, (), ())
    accepted: list[str] = []
    refused: list[str] = []
    entry = proposal.entry
    for claimed, signature in imported.signatures:
        try:
            entry = queue.import_signature(entry.safe_tx_hash, signature, claimed)
            accepted.append(claimed or "(signer)")
        except WalletError as exc:
            refused.append(f"{claimed or 'a signature'}: {exc.user_message}")
    return ImportResult(proposal, entry, tuple(accepted), tuple(refused))


def _pick(fields: dict[str, Any], *names: str, default: Any = None) -> Any:
    for name in names:
        if name in fields:
            return fields[name]
    if default is not None:
        return default
    raise ImportFormatError(f"The file's transaction has no {names[0]}")


def _uint(fields: dict[str, Any], *names: str, default: int | None = None) -> int:
    value = _pick(fields, *names, default=None if default is None else str(default))
    if isinstance(value, bool):
        raise ImportFormatError(f"{names[0]} must be a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 78:
        number = int(value)
    else:
        raise ImportFormatError(f"{names[0]} must be a whole number in decimal digits")
    if number >= 2**256:
        raise ImportFormatError(f"{names[0]} must be below 2**256")
    return number


def _hex(value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str) or not value.startswith("0x") or len(value) % 2 or not value.isascii():
        raise ImportFormatError("data must be 0x followed by an even number of hex digits")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise ImportFormatError("data must be 0x followed by hex digits") from None


def _operation(value: Any) -> int:
    if value in (0, 1, "0", "1") and not isinstance(value, bool):
        return int(value)
    raise ImportFormatError("operation must be 0 (CALL) or 1 (DELEGATECALL)")


def _signatures(document: dict[str, Any]) -> tuple[tuple[str | None, str], ...]:
    found: list[tuple[str | None, str]] = []
    listed = document.get("signatures", document.get("confirmations", []))
    if not isinstance(listed, list) or len(listed) > MAX_SIGNATURES:
        raise ImportFormatError(f"signatures must be a list of at most {MAX_SIGNATURES}")
    for item in listed:
        if isinstance(item, str):
            found.append((None, item))
        elif isinstance(item, dict) and isinstance(item.get("signature"), str):
            owner = item.get("owner")
            if owner is not None and not isinstance(owner, str):
                raise ImportFormatError("a signature's owner must be an address")
            found.append((owner, item["signature"]))
        else:
            raise ImportFormatError("each signature must be hex text or {owner, signature}")
    return tuple(found)
