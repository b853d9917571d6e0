"""A JSON-RPC 2.0 dispatcher over a table of methods; never raises, whatever it is given.

Error codes: -32700 parse error (the transport's), -32600 invalid request, -32601 unknown method,
-32602 invalid params, -32603 internal error, -32000 execution and node errors, 3 for a reverted call
(as geth and anvil answer, so that web3.py keeps the revert reason; the revert data is in `data`).
Every request gets a response, notifications (no "id") included, with "id": null.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from wallet_app.chain.devnet.params import InvalidParams, Params
from wallet_app.errors import RpcError

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000
EXECUTION_REVERTED = 3
MAX_BATCH = 1000

Json = dict[str, Any]
Handler = Callable[[Params], object]


class RpcFailure(RpcError):
    """A JSON-RPC error a method chose to return."""

    def __init__(self, rpc_code: int, message: str, *, data: str | None = None) -> None:
        super().__init__(message)
        self.rpc_code = rpc_code
        self.message = message
        self.data = data


def error_response(request_id: object, code: int, message: str, data: str | None = None) -> Json:
    error: Json = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def batch_refusal(batch: list[Any]) -> Json | None:
    """The single error response for a batch that cannot be processed at all, else None."""
    if not batch:
        return error_response(None, INVALID_REQUEST, "empty batch")
    if len(batch) > MAX_BATCH:
        return error_response(None, INVALID_REQUEST, f"batch too large (at most {MAX_BATCH})")
    return None


class Dispatcher:
    def __init__(self, methods: Mapping[str, Handler]) -> None:
        self._methods = dict(methods)

    def handle(self, request: object) -> Json | list[Json]:
        """One request object gives one response object; a batch (a list) gives a list."""
        if isinstance(request, list):
            refusal = batch_refusal(request)
            return refusal if refusal is not None else [self.handle_one(item) for item in request]
        return self.handle_one(request)

    def handle_one(self, request: object) -> Json:
        if not isinstance(request, dict):
            return error_response(None, INVALID_REQUEST, "invalid request: expected an object")
        request_id = request.get("id")
        if not (request_id is None or isinstance(request_id, str | int | float)) or isinstance(request_id, bool):
            return error_response(None, INVALID_REQUEST, "invalid request: bad id")
        method = request.get("method")
        if request.get("jsonrpc", "2.0") != "2.0" or not isinstance(method, str):
            return error_response(request_id, INVALID_REQUEST, "invalid request")
        handler = self._methods.get(method)
        if handler is None:
            message = f"the method {method[:80]} does not exist/is not available"
            return error_response(request_id, METHOD_NOT_FOUND, message)
        try:
            result = handler(Params(request.get("params")))
        except InvalidParams as exc:
            return error_response(request_id, INVALID_PARAMS, exc.message)
        except RpcFailure as exc:
            return error_response(request_id, exc.rpc_code, exc.message, exc.data)
        except Exception:
            log.exception("devnet: %s failed", method)
            return error_response(request_id, INTERNAL_ERROR, f"internal error in {method}")
        return {"jsonrpc": "2.0", "id": request_id, "result": result}
