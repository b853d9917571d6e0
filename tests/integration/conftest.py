"""Real components for the integration tests: anvil started from the npm package, on a free loopback port, and a
private PostgreSQL server (one per session, a fresh database per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.anvil import ANVIL, REPO, AnvilError, free_port, rpc, start_anvil
from tests.support.postgres import PostgresError, PostgresServer, start_postgres

__all__ = ["ANVIL", "ANVIL_CHAIN_ID", "ANVIL_KEY", "REPO", "free_port", "rpc"]

ANVIL_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
ANVIL_CHAIN_ID = 177


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    try:
        node = start_anvil("--chain-id", str(ANVIL_CHAIN_ID))
    except AnvilError as error:
        pytest.fail(str(error))
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One private PostgreSQL server for the whole run; a server that cannot start fails the tests that need it."""
    try:
        server = start_postgres()
    except PostgresError as error:
        pytest.fail(f"PostgreSQL could not be started: {error}")
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A SQLAlchemy URL (psycopg 3) of a new, empty database on the session's server, dropped after the test."""
    name = postgres_server.create_database(request.node.name)
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
