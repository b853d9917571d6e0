"""The one error of the BC-UR layer: anything malformed, foreign or oversized that arrives through a QR code."""

from __future__ import annotations

from wallet_app.errors import WalletError


class URError(WalletError, ValueError):
    """Malformed, unsupported or unsafe UR data; the message says what and where, in one line."""

    code = "ur"
