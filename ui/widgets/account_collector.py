"""What the scan dialog feeds when the online desktop pairs an offline signer: one UR of type `crypto-hdkey` (what
`custos offline account` and the offline signer's Keys tab show) or `crypto-account` (what a Keystone shows), single
part or fountain-coded, decoded into the accounts it declares as soon as it is whole.

A code of another type, or a whole UR that declares no usable account (a private key, another coin, a malformed
key), raises a `URError` whose `user_message` says why; the collector then starts again from nothing, so the scan
dialog says it and goes on reading. Qt-free, like `ui.widgets.ur_collector`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.ur.errors import URError
from wallet_app.ur.ur import URDecoder, ur_type

if TYPE_CHECKING:
    from wallet_app.offline.pairing import PairedAccount

ACCOUNT_TYPES = ("crypto-hdkey", "crypto-account")


class AccountUrCollector:
    """The parts of one `crypto-hdkey` or `crypto-account` UR; once whole, `accounts` holds what it declares."""

    def __init__(self) -> None:
        self._decoder = URDecoder()
        self._type = ""
        self._accounts: list[PairedAccount] | None = None

    def receive(self, text: str) -> bool:
        kind = ur_type(text)
        if kind not in ACCOUNT_TYPES:
            raise URError(f"This is a UR of type '{kind}', not an offline signer's account (crypto-hdkey or "
                          "crypto-account)")
        if self._type and kind != self._type:
            raise URError(f"This is a part of a {kind} UR, while a {self._type} is being read")
        added = self._decoder.receive(text)  # refuses a part of another message, leaving itself as it was
        self._type = kind
        if self._decoder.is_complete and self._accounts is None:
            self._accounts = self._decode()
        return added

    def _decode(self) -> list[PairedAccount]:
        from wallet_app.offline.pairing import paired_accounts

        try:
            accounts = paired_accounts(self._decoder.result)
            if not accounts:
                raise URError("This account UR declares no key")
        except ValueError as exc:  # URError, or a malformed value the decoder did not name
            self._decoder, self._type = URDecoder(), ""  # nothing of a refused UR is kept
            message = (exc.user_message if isinstance(exc, URError) else "this account UR is malformed").strip()
            message = message.rstrip(".")
            raise URError(f"{message[:1].upper()}{message[1:]}. Nothing was recorded.") from exc
        return accounts

    @property
    def progress(self) -> float:
        return 1.0 if self.is_complete else max(0.0, min(1.0, self._decoder.estimated_progress))

    @property
    def is_complete(self) -> bool:
        return self._accounts is not None

    @property
    def ur_type(self) -> str:
        """"crypto-hdkey" or "crypto-account" once a part was taken; "" before."""
        return self._type

    @property
    def accounts(self) -> list[PairedAccount]:
        """The accounts the whole UR declares (address, key origin, fingerprint, device); URError before."""
        if self._accounts is None:
            raise URError(f"The account is not complete yet ({round(self.progress * 100)}% of it read)")
        return list(self._accounts)
