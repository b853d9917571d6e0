"""Real components for the integration tests: anvil started from the npm package, on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.anvil import ANVIL, REPO, AnvilError, free_port, rpc, start_anvil

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
