"""The two ways a proof check ends badly: the input cannot be used at all, or it was read and does not hold."""

from __future__ import annotations

from wallet_app.errors import WalletError


class UnusableInput(WalletError, ValueError):
    """The input cannot be read as what it claims to be: malformed JSON, a missing or mistyped field, an unknown
    bundle version, a truncated or oversized file. The commands exit 2."""

    code = "proof_unusable_input"


class ProofInvalid(WalletError, ValueError):
    """The input was read, and it does not prove what it says: a header that does not hash to its block hash, a trie
    node that is not where the proof says, a claim that differs from the proven value. The commands exit 1."""

    code = "proof_invalid"


class NotProvable(WalletError):
    """The value asked for is not kept in the contract's storage where a proof could reach it (a rebasing or computed
    balance): Custos says so rather than write a wrong proof."""

    code = "proof_not_provable"
