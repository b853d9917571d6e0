"""Chain access: RPC clients, contract artifacts and on-chain helpers (Qt-free)."""
