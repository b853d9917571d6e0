"""What a QR scan feeds: a `UrCollector` takes the text of each code read (camera, image or file), in any order, lost
or repeated, and says how far along it is. `wallet_app.offline.transport.RequestReader` is one (the two URs of a sign
request); `SingleUrCollector` is the small one for a single UR of one type (the `eth-signature` an offline signer
answers with).

A frame that cannot be taken raises a `WalletError` (a `URError`) whose `user_message` says why, and leaves the
collector as it was: nothing of a refused frame is kept. Qt-free, so it can be tested and reused anywhere.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from wallet_app.ur.errors import URError
from wallet_app.ur.ur import UR, URDecoder, ur_type


@runtime_checkable
class UrCollector(Protocol):
    def receive(self, text: str) -> bool:
        """Take the text of one code; True if it added something. A bad one raises WalletError (nothing kept)."""
        ...

    @property
    def progress(self) -> float:
        """From 0 to 1."""
        ...

    @property
    def is_complete(self) -> bool: ...


class SingleUrCollector:
    """The parts of one UR of `expected_type` (single part, or a fountain-coded sequence); codes of any other type
    are refused by name."""

    def __init__(self, expected_type: str) -> None:
        self.expected_type = expected_type
        self._decoder = URDecoder()
        self.frames_read = 0

    def receive(self, text: str) -> bool:
        kind = ur_type(text)
        if kind != self.expected_type:
            raise URError(f"This is a UR of type '{kind}', not the {self.expected_type} that is expected here")
        added = self._decoder.receive(text)  # refuses a part of another message, leaving itself as it was
        self.frames_read += 1
        return added

    @property
    def progress(self) -> float:
        return 1.0 if self._decoder.is_complete else max(0.0, min(1.0, self._decoder.estimated_progress))

    @property
    def is_complete(self) -> bool:
        return self._decoder.is_complete

    def result(self) -> UR:
        """The UR read; URError when it is not complete (or its parts failed their checksum)."""
        if not self._decoder.is_complete:
            raise URError(f"The {self.expected_type} is not complete yet ({round(self.progress * 100)}% of it read)")
        return self._decoder.result
