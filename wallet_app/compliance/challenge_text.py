"""The EIP-191 text a counterparty signs to prove it controls an address: it names the institution, the
counterparty, the address, the chain, a nonce and an expiry, so a signature made for one challenge proves nothing
for another."""

from __future__ import annotations

from datetime import datetime

from eth_account.messages import _hash_eip191_message, encode_defunct

HEADER = "Custos address ownership challenge"


def challenge_text(*, institution: str, counterparty: str, address: str, chain_id: int, nonce: str,
                   expires_at: datetime) -> str:
    return "\n".join([
        HEADER,
        f"Institution: {institution}",
        f"Counterparty: {counterparty}",
        f"Address: {address}",
        f"Chain id: {chain_id}",
        f"Nonce: {nonce}",
        f"Expires: {expires_at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Signing this text proves control of the address to the institution named. It moves no assets.",
    ])


def eip191_hash(text: str) -> bytes:
    """keccak256("\\x19Ethereum Signed Message:\\n" + len + text): what personal_sign signs and EIP-1271 is asked."""
    return bytes(_hash_eip191_message(encode_defunct(text=text)))
