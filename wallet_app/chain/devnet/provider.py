"""`DevnetProvider`: web3.py talking to an in-process `Devnet` with no socket in between.

Requests go through the same JSON encoding an HTTP provider uses (web3's encoder, then a JSON parse),
so the dispatcher sees exactly what it would see over HTTP and the default middleware works
unchanged. `Web3(DevnetProvider(devnet))`.
"""

from __future__ import annotations

import json
from typing import Any, cast

from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from wallet_app.chain.devnet.node import Devnet


class DevnetProvider(JSONBaseProvider):
    def __init__(self, devnet: Devnet, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._devnet = devnet

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        request = json.loads(self.encode_rpc_request(method, params))
        return cast(RPCResponse, self._devnet.handle(request))

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        batch = json.loads(self.encode_batch_rpc_request(requests))
        return cast("list[RPCResponse] | RPCResponse", self._devnet.handle(batch))  # in request order

    def is_connected(self, show_traceback: bool = False) -> bool:
        return not self._devnet.closed and super().is_connected(show_traceback)

    def __repr__(self) -> str:
        return f"<DevnetProvider {self._devnet.state_dir}>"
