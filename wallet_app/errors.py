"""The one exception hierarchy of the core.

Every error a person may see derives from `WalletError` and carries a stable `code` and a one-line
`user_message`. `UserCancelled` stands apart: cancelling is not a failure. Messages never contain secrets.
"""

from __future__ import annotations


class WalletError(Exception):
    code = "wallet_error"

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


class UserCancelled(Exception):
    """The person chose to stop; nothing to report."""


class ConfigError(WalletError, ValueError):
    code = "config"


class ProfileNotFound(ConfigError):
    code = "profile_not_found"


class ProfileExists(ConfigError):
    code = "profile_exists"


class StorageError(WalletError):
    code = "storage"


class SchemaTooNew(StorageError):
    code = "schema_too_new"


class ChainError(WalletError):
    code = "chain"


class NodeUnreachable(ChainError, ConnectionError):
    code = "node_unreachable"


class ChainIdMismatch(ChainError):
    code = "chain_id_mismatch"


class RpcError(ChainError):
    code = "rpc_error"


class BadRpcReply(ChainError, ValueError):
    code = "bad_rpc_reply"


class DevnetError(WalletError):
    code = "devnet"


class DevnetBusy(DevnetError):
    code = "devnet_busy"


class DevnetCorrupt(DevnetError):
    code = "devnet_corrupt"


class PortInUse(DevnetError, OSError):
    code = "port_in_use"


class InvalidAddress(WalletError, ValueError):
    code = "invalid_address"


class InvalidAmount(WalletError, ValueError):
    code = "invalid_amount"


class CallReverted(ChainError):
    code = "call_reverted"

    def __init__(self, user_message: str, *, revert_data: bytes = b"", detail: str | None = None) -> None:
        super().__init__(user_message, detail=detail)
        self.revert_data = revert_data


class TransactionRejected(ChainError):
    code = "transaction_rejected"
