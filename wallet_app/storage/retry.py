"""A unit of work that PostgreSQL may abort for concurrency, run again until it commits (SECURITY.md J4).

Under REPEATABLE READ and SERIALIZABLE, PostgreSQL aborts a transaction that conflicts with a concurrent one
(SQLSTATE 40001, serialization failure) and breaks deadlocks by aborting one side (40P01); the application must run
the whole transaction again. `run_in_transaction` does that: `work` gets a connection inside a fresh transaction on
every attempt, so it must do all its reads and writes through it and have no other effect (it may run more than once;
only the last, committed attempt counts). Between attempts it waits a jittered, growing delay so that two desktops
retrying the same conflict do not collide again in lockstep. Any other error is raised at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from wallet_app.errors import StorageConflict

T = TypeVar("T")
IsolationLevel = Literal["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"]

# serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(error: BaseException) -> bool:
    """A serialization failure or deadlock reported by the server (psycopg's SerializationFailure, DeadlockDetected)."""
    original = error.orig if isinstance(error, DBAPIError) else error
    return getattr(original, "sqlstate", None) in RETRYABLE_SQLSTATES


def backoff_delay(attempt: int, *, base: float = 0.02, cap: float = 1.0) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, ...): uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0.0, min(cap, base * 2 ** attempt))  # noqa: S311  (jitter, not a secret)


def run_in_transaction(
    engine: Engine,
    work: Callable[[Connection], T],
    attempts: int = 5,
    *,
    isolation_level: IsolationLevel | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `work(connection)` in a transaction and commit it, again (up to `attempts` times in all) while the
    server aborts it with 40001 or 40P01. Raises StorageConflict when every attempt was aborted."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            with engine.connect() as connection:
                if isolation_level is not None:
                    connection.execution_options(isolation_level=isolation_level)
                with connection.begin():
                    return work(connection)
        except DBAPIError as error:
            if not is_retryable(error):
                raise
            if attempt == attempts:
                raise StorageConflict(
                    f"The database refused the change {attempts} times because of concurrent changes "
                    f"({error.orig.__class__.__name__}); nothing was saved. Try again.",
                    detail=str(error.orig),
                ) from error
        sleep(backoff_delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover
