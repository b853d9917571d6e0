"""Errors of the policy package. The decoder itself never raises on calldata: bad bytes become problems on the
intent. These are for a caller's own mistakes and for user-supplied ABIs that are refused."""

from __future__ import annotations

from wallet_app.errors import WalletError


class DecoderInputError(WalletError, ValueError):
    """The caller passed a field no Safe transaction can have (a negative value, an operation other than 0 or 1)."""

    code = "decoder_input"


class InvalidUserAbi(WalletError, ValueError):
    """A user-supplied ABI was refused: malformed, oversized or using types the decoder does not accept."""

    code = "invalid_user_abi"
