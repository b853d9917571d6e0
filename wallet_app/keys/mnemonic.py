"""BIP-39 mnemonics and BIP-32/44 derivation paths, checked before any key is derived."""

from __future__ import annotations

import re

from eth_account import Account

from wallet_app.errors import KeystoreInvalid

_PATH = re.compile(r"^m(/\d+'?)+$")
HARDENED = 2**31


def check_path(path: str) -> str:
    cleaned = path.strip()
    if not _PATH.match(cleaned):
        raise KeystoreInvalid(f"'{cleaned[:60]}' is not a derivation path such as m/44'/60'/0'/0/0")
    for part in cleaned.split("/")[1:]:
        if int(part.rstrip("'")) >= HARDENED:
            raise KeystoreInvalid(f"The derivation path index {part} is out of range (below 2^31)")
    return cleaned


def derive_from_mnemonic(mnemonic: str, path: str) -> bytes:
    words = " ".join(mnemonic.split())
    checked_path = check_path(path)
    if len(words.split()) not in (12, 15, 18, 21, 24):
        raise KeystoreInvalid("A BIP-39 mnemonic has 12, 15, 18, 21 or 24 words")
    Account.enable_unaudited_hdwallet_features()
    try:
        account = Account.from_mnemonic(words, account_path=checked_path)
    except Exception:
        # The library says which word or checksum failed; we do not repeat mnemonic words in messages.
        raise KeystoreInvalid("This is not a valid BIP-39 mnemonic (unknown word or bad checksum)") from None
    return bytes(account.key)
