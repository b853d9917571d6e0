"""Connection status for the status bar: it describes a down node instead of raising."""

from __future__ import annotations

from wallet_app.chain.client import ChainClient
from wallet_app.domain.network import ChainStatus, ConnectionState
from wallet_app.errors import ChainIdMismatch, WalletError


class NetworkMonitor:
    def __init__(self, *, chain: ChainClient, network_name: str, chain_id: int) -> None:
        self._chain = chain
        self._network_name = network_name
        self._chain_id = chain_id

    def fetch_status(self) -> ChainStatus:
        try:
            block = self._chain.connect(self._chain_id)
        except ChainIdMismatch as exc:
            return self._status(None, ConnectionState.WRONG_CHAIN, exc.user_message)
        except WalletError as exc:
            return self._status(None, ConnectionState.DISCONNECTED, exc.user_message)
        return self._status(block, ConnectionState.CONNECTED, "")

    def _status(self, block: int | None, state: ConnectionState, message: str) -> ChainStatus:
        return ChainStatus(self._network_name, self._chain_id, block, state, self._chain.endpoint, message)
