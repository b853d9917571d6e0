"""Call data for the reads a holdings refresh makes thousands of times, built without the generic ABI encoder.

`build_call` (eth_abi) costs tens of microseconds a call; a balance read is a selector and one or two words, so it is
laid out directly. Selectors and account words are cached: the same few repeat across every token. A unit test
checks every function here against `build_call`.
"""

from __future__ import annotations

import functools

from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import address_bytes


@functools.lru_cache(maxsize=256)
def _selector(signature: str) -> bytes:
    return selector(signature)


@functools.lru_cache(maxsize=8192)
def _address_word(address: str) -> bytes:
    return b"\0" * 12 + address_bytes(address)


def build_plain_call(signature: str) -> bytes:
    """Call data of a function without arguments, e.g. 'decimals()'."""
    return _selector(signature)


def build_address_call(signature: str, address: str) -> bytes:
    """Call data of `signature` taking one address, e.g. 'balanceOf(address)'."""
    return _selector(signature) + _address_word(address)


def build_uint_call(signature: str, value: int) -> bytes:
    """Call data of `signature` taking one uint256, e.g. 'ownerOf(uint256)'."""
    return _selector(signature) + value.to_bytes(32, "big")


def build_address_uint_call(signature: str, address: str, value: int) -> bytes:
    """Call data of `signature` taking an address and a uint256, e.g. 'balanceOf(address,uint256)'."""
    return _selector(signature) + _address_word(address) + value.to_bytes(32, "big")
