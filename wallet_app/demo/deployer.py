"""Deploying contracts and sending calls from one funded key, for seeding a devnet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from eth_account import Account

from wallet_app.chain.client import ChainClient, Receipt
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.domain.abi import build_call
from wallet_app.errors import ChainError


@dataclass(frozen=True)
class Deployer:
    client: ChainClient
    chain_id: int
    key: bytes

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)

    def deploy(self, bytecode: bytes, abi: list[dict[str, Any]], *args: object) -> str:
        types = _constructor_types(abi)
        init = bytecode + (encode(types, list(args)) if types else b"")
        receipt = sign_and_send(self.client, self.key, self.chain_id, OutgoingTx(to=None, data=init))
        if receipt.contract_address is None:
            raise ChainError("A deployment mined without a contract address")
        return receipt.contract_address

    def send(self, to: str, signature: str, *args: object, value: int = 0) -> Receipt:
        data = build_call(signature, *args) if signature else b""
        return sign_and_send(self.client, self.key, self.chain_id, OutgoingTx(to=to, data=data, value=value))


def _constructor_types(abi: list[dict[str, Any]]) -> list[str]:
    for entry in abi:
        if entry.get("type") == "constructor":
            return [_abi_type(p) for p in entry.get("inputs", [])]
    return []


def _abi_type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind
