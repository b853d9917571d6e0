"""Networks Custos knows by name, and the connection status shown to the user."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True, slots=True)
class NetworkPreset:
    key: str
    name: str
    chain_id: int
    rpc_url: str | None  # None: the user must give one (or, for the devnet, it runs in-process)
    native_symbol: str
    native_decimals: int = 18
    embedded: bool = False


DEVNET_CHAIN_ID = 1_770_177
# OP Stack rollups, whose blocks can be anchored to an L2 output root on L1: HashKey Chain and its testnet, OP
# Mainnet, Base, and the OP and Base Sepolia testnets.
OP_STACK_CHAIN_IDS = frozenset({177, 133, 10, 8453, 11155420, 84532})

PRESETS: dict[str, NetworkPreset] = {
    p.key: p
    for p in (
        NetworkPreset("devnet", "Custos devnet (embedded)", DEVNET_CHAIN_ID, None, "HSK", embedded=True),
        NetworkPreset("hashkey", "HashKey Chain", 177, None, "HSK"),
        NetworkPreset("hashkey-testnet", "HashKey Chain testnet", 133, None, "HSK"),
        NetworkPreset("ethereum", "Ethereum", 1, None, "ETH"),
        NetworkPreset("sepolia", "Sepolia", 11155111, None, "ETH"),
        NetworkPreset("custom", "Custom network", 0, None, "ETH"),
    )
}


class ConnectionState(Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    WRONG_CHAIN = "wrong chain"


@dataclass(frozen=True, slots=True)
class ChainStatus:
    network_name: str
    chain_id: int
    block_number: int | None
    state: ConnectionState
    endpoint: str  # "in-process" or the RPC URL
    message: str = ""
