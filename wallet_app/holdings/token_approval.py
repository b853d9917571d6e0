"""The message an officer signs to approve a token, and its EIP-191 ("personal_sign") digest. Pure.

The message names everything the approval pins: the chain id, the token's address, its standard, its symbol and its
decimals. The symbol comes from the token, so it is written with control, bidi and invisible characters as visible
escapes: a symbol holding a newline cannot add a line of its own to what is signed.
"""

from __future__ import annotations

from eth_hash.auto import keccak

from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.views import make_visible

EIP191_PREFIX = b"\x19Ethereum Signed Message:\n"
APPROVAL_TITLE = "Custos: approve a token for this profile's registry"


def build_approval_message(chain_id: int, token: TokenEntry) -> str:
    return "\n".join((
        APPROVAL_TITLE,
        f"Chain id: {chain_id}",
        f"Token: {token.address}",
        f"Standard: {token.standard.value}",
        f"Symbol: {make_visible(token.symbol)}",
        f"Decimals: {token.decimals}",
    ))


def compute_eip191_digest(message: str) -> bytes:
    """keccak256("\\x19Ethereum Signed Message:\\n" + len(message) + message), the message as UTF-8."""
    data = message.encode("utf-8")
    return keccak(EIP191_PREFIX + str(len(data)).encode("ascii") + data)
