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


class FileRefused(WalletError):
    """A file Custos was asked to write for people outside it was not written (it exists, or the folder refused)."""

    code = "file_refused"


class StorageError(WalletError):
    code = "storage"


class SchemaTooNew(StorageError):
    code = "schema_too_new"


class StorageUnavailable(StorageError):
    """The database server does not answer: stopped, unreachable, or it dropped the connection."""

    code = "storage_unavailable"


class StorageAccessDenied(StorageError):
    """The database refused the change: this desktop's database role lacks the privilege (revoked, J7)."""

    code = "storage_access_denied"


class StorageOnNetworkFilesystem(StorageError):
    """A SQLite file on NFS, SMB/CIFS, Lustre or another share (J8): refused, it would be corrupted there."""

    code = "storage_network_filesystem"


class StorageConflict(StorageError):
    """Concurrent changes kept aborting a transaction (serialization failure, deadlock) through every retry."""

    code = "storage_conflict"


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


class KeyError_(WalletError):
    code = "key"


class WrongPassword(KeyError_):
    code = "wrong_password"


class KeystoreInvalid(KeyError_, ValueError):
    code = "keystore_invalid"


class KeyLocked(KeyError_):
    code = "key_locked"


class KeyNotFound(KeyError_):
    code = "key_not_found"


class WatchOnly(KeyError_):
    code = "watch_only"


class SignerMismatch(KeyError_):
    """A signature did not recover to the signer's own address (C8): it never leaves the signer."""

    code = "signer_mismatch"


class CustodyRuleViolation(KeyError_):
    code = "custody_rule"


class HsmError(KeyError_):
    code = "hsm"


class KeyringUnavailable(KeyError_):
    code = "keyring_unavailable"


class HsmModuleError(HsmError):
    """The PKCS#11 module file is missing, is not a PKCS#11 library, or would not start."""

    code = "hsm_module"


class HsmTokenMissing(HsmError):
    """No token with that label is connected (pulled, or never inserted)."""

    code = "hsm_token_missing"


class HsmWrongPin(HsmError, WrongPassword):
    code = "hsm_wrong_pin"


class HsmPinLocked(HsmError):
    code = "hsm_pin_locked"


class HsmKeyMissing(HsmError):
    code = "hsm_key_missing"


class HsmKeyExists(HsmError):
    code = "hsm_key_exists"


class HsmAmbiguousKey(HsmError):
    """More than one object carries the label: Custos refuses to guess which one signs."""

    code = "hsm_ambiguous_key"


class HsmUnsupportedCurve(HsmError):
    """The token cannot make or use secp256k1 keys, or the labelled key is on another curve."""

    code = "hsm_unsupported_curve"
