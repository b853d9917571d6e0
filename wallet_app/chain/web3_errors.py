"""Translation of web3.py and transport errors into Custos errors, by table."""

from __future__ import annotations

from typing import Any

import requests
from web3 import exceptions as w3x

from wallet_app.errors import BadRpcReply, CallReverted, ChainError, NodeUnreachable, RpcError, WalletError

_UNREACHABLE: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    w3x.ProviderConnectionError,
    ConnectionError,
    TimeoutError,
)
_BAD_REPLY: tuple[type[BaseException], ...] = (
    w3x.BadResponseFormat,
    w3x.BadFunctionCallOutput,
    w3x.InsufficientData,
    requests.exceptions.JSONDecodeError,
    ValueError,
    TypeError,
    KeyError,
)


def translate(exc: BaseException, endpoint: str) -> WalletError:
    if isinstance(exc, WalletError):
        return exc
    if isinstance(exc, w3x.ContractLogicError):
        return CallReverted(f"The call reverted: {exc.message or 'no reason given'}", revert_data=_data(exc))
    if isinstance(exc, _UNREACHABLE):
        return NodeUnreachable(f"The node at {endpoint} does not answer ({exc.__class__.__name__})")
    if isinstance(exc, requests.exceptions.HTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return NodeUnreachable(f"The node at {endpoint} answered HTTP {status}")
    if isinstance(exc, w3x.Web3RPCError):
        error: object = (exc.rpc_response or {}).get("error") or {}
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
        return RpcError(f"The node refused the request: {message[:200] or exc.__class__.__name__}")
    if isinstance(exc, _BAD_REPLY):
        return BadRpcReply(f"The node at {endpoint} sent a reply Custos cannot read", detail=repr(exc)[:300])
    return ChainError(f"Unexpected error talking to {endpoint}: {exc.__class__.__name__}")


def _data(exc: Any) -> bytes:
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return b""
    return b""
