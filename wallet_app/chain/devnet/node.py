"""`Devnet`: one persistent local chain in a state directory, answering JSON-RPC requests in-process.

Opening takes the directory's lock for the life of the object (DevnetBusy if another process, or
another `Devnet` in this one, has it). One re-entrant mutex serialises every request, so `handle`
may be called from any number of threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, overload

from eth_typing import Address
from eth_utils.address import is_hex_address, to_canonical_address

from wallet_app.chain.devnet.layout import StateLayout, fsync_directory
from wallet_app.chain.devnet.ledger import Ledger
from wallet_app.chain.devnet.lock import StateLock
from wallet_app.chain.devnet.methods import EthMethods
from wallet_app.chain.devnet.occupancy import occupy
from wallet_app.chain.devnet.rpc import SERVER_ERROR, Dispatcher, batch_refusal, error_response
from wallet_app.domain.network import DEVNET_CHAIN_ID
from wallet_app.errors import DevnetError, InvalidAddress, InvalidAmount

MAX_CHAIN_ID = 2**64 - 1
Json = dict[str, Any]


class Devnet:
    def __init__(self, *, layout: StateLayout, lock: StateLock, ledger: Ledger) -> None:
        self._layout = layout
        self._lock = lock
        self._ledger = ledger
        self._mutex = threading.RLock()
        self._dispatcher = Dispatcher(EthMethods(ledger).table())
        self._closed = False

    # -- lifecycle --

    @classmethod
    def create(cls, state_dir: Path | str, *, chain_id: int = DEVNET_CHAIN_ID, alloc: Mapping[str, int],
               code: Mapping[str, bytes] | None = None) -> Devnet:
        """Make a new chain in `state_dir` (created if needed) whose genesis gives `alloc` (address -> wei) and
        predeploys `code` (address -> runtime code; the demo puts the Safe singleton factory there).

        The chain is built in a temporary file and renamed into place, so a crash never leaves half a
        devnet. DevnetError if one already exists there (quarantine it first), DevnetBusy if locked.
        """
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or not 1 <= chain_id <= MAX_CHAIN_ID:
            raise ValueError(f"chain id must be an integer from 1 to {MAX_CHAIN_ID}")
        genesis = _parse_alloc(alloc)
        predeployed = _parse_code(code or {})
        layout = StateLayout(Path(state_dir))
        layout.root.mkdir(parents=True, exist_ok=True)
        lock = occupy(layout)
        try:
            if layout.db_path.exists():
                raise DevnetError(f"A devnet already exists in {layout.root}.")
            for leftover in layout.creating_files():  # ours, from a create that crashed
                leftover.unlink(missing_ok=True)
            Ledger.create_file(layout.creating_path, chain_id=chain_id, alloc=genesis, code=predeployed).close()
            os.replace(layout.creating_path, layout.db_path)
            fsync_directory(layout.root)
            ledger = Ledger.load_file(layout.db_path)
        except BaseException:
            lock.release()
            raise
        return cls(layout=layout, lock=lock, ledger=ledger)

    @classmethod
    def open(cls, state_dir: Path | str) -> Devnet:
        """Reopen the chain stored in `state_dir` at its head (DevnetBusy, DevnetCorrupt, DevnetError)."""
        layout = StateLayout(Path(state_dir))
        if not layout.root.is_dir():
            raise DevnetError(f"There is no devnet in {layout.root}.")
        lock = occupy(layout)
        try:
            if not layout.db_path.exists():
                raise DevnetError(f"There is no devnet in {layout.root}.")
            ledger = Ledger.load_file(layout.db_path)
        except BaseException:
            lock.release()
            raise
        return cls(layout=layout, lock=lock, ledger=ledger)

    @staticmethod
    def exists(state_dir: Path | str) -> bool:
        """Whether `state_dir` holds a devnet (sound or not; `open` tells)."""
        return StateLayout(Path(state_dir)).db_path.exists()

    def close(self) -> None:
        """Release the database and the directory lock; later requests get an error. Idempotent."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            try:
                self._ledger.close()
            finally:
                self._lock.release()

    def __enter__(self) -> Devnet:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- facts --

    @property
    def chain_id(self) -> int:
        return self._ledger.chain_id

    @property
    def state_dir(self) -> Path:
        return self._layout.root

    @property
    def closed(self) -> bool:
        return self._closed

    # -- JSON-RPC --

    @overload
    def handle(self, request: dict[str, Any]) -> Json: ...
    @overload
    def handle(self, request: list[Any]) -> Json | list[Json]: ...
    @overload
    def handle(self, request: object) -> Json | list[Json]: ...

    def handle(self, request: object) -> Json | list[Json]:
        """Answer one JSON-RPC 2.0 request object, or a batch (list). Never raises."""
        if isinstance(request, list):  # a batch: the lock is taken per request, not for the whole
            refusal = batch_refusal(request)
            return refusal if refusal is not None else [self._handle_one(item) for item in request]
        return self._handle_one(request)

    def _handle_one(self, request: object) -> Json:
        with self._mutex:
            if self._closed:
                request_id = request.get("id") if isinstance(request, dict) else None
                return error_response(request_id, SERVER_ERROR, "the devnet is closed")
            return self._dispatcher.handle_one(request)


def _parse_alloc(alloc: Mapping[str, int]) -> dict[Address, int]:
    genesis: dict[Address, int] = {}
    for address, balance in alloc.items():
        if not isinstance(address, str) or not is_hex_address(address):
            raise InvalidAddress(f"Not an address in the devnet allocation: {str(address)[:60]!r}")
        if isinstance(balance, bool) or not isinstance(balance, int) or not 0 <= balance < 2**256:
            raise InvalidAmount(f"Invalid balance for {address} in the devnet allocation")
        genesis[Address(to_canonical_address(address))] = balance
    return genesis


def _parse_code(code: Mapping[str, bytes]) -> dict[Address, bytes]:
    parsed: dict[Address, bytes] = {}
    for address, runtime in code.items():
        if not isinstance(address, str) or not is_hex_address(address):
            raise InvalidAddress(f"Not an address in the devnet predeploys: {str(address)[:60]!r}")
        if not isinstance(runtime, bytes) or not runtime:
            raise ValueError(f"The predeployed code for {address} must be non-empty bytes")
        parsed[Address(to_canonical_address(address))] = runtime
    return parsed
