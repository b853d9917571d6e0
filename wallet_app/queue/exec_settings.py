"""How executing and following the chain behave for a profile: confirmations before "final", the claim's lease, when a
transaction that is not mined gets a fee replacement. Read from the profile's `extra` settings, with defaults.

Confirmations: an item is final once its block has `confirmations` blocks on top of it counting itself (1 = the
block that mined it) and the block hash at that height is still the one the receipt named. The default is 1 on the
embedded devnet and on anvil/Hardhat's default chain 31337 (local chains that only reorganise when told to), and 12
elsewhere (about 2.4 minutes on a 12 s chain; a deeper reorganisation than that is a network incident). Set
`confirmations` in the profile's extra settings to change it (1 to 1000).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wallet_app.errors import ConfigError

LOCAL_CHAIN_IDS = frozenset({31337})  # anvil's and Hardhat's default chain id
LOCAL_CONFIRMATIONS = 1
DEFAULT_CONFIRMATIONS = 12
DEFAULT_LEASE_SECONDS = 600.0  # a desktop that crashed while holding a claim (nothing signed) frees it after this
DEFAULT_REPLACE_AFTER_SECONDS = 180.0  # sent but not mined this long: a same-intent fee replacement (G1)

CONFIRMATIONS_KEY = "confirmations"
LEASE_KEY = "claim_lease_seconds"
REPLACE_AFTER_KEY = "replace_after_seconds"


@dataclass(frozen=True, slots=True)
class ExecutionSettings:
    confirmations: int = LOCAL_CONFIRMATIONS
    claim_lease_seconds: float = DEFAULT_LEASE_SECONDS
    replace_after_seconds: float = DEFAULT_REPLACE_AFTER_SECONDS
    gas_margin_percent: int = 25  # added to the node's gas estimate
    poll_seconds: float = 1.0  # the longest wait between two receipt polls


def default_confirmations(*, embedded: bool, chain_id: int) -> int:
    return LOCAL_CONFIRMATIONS if embedded or chain_id in LOCAL_CHAIN_IDS else DEFAULT_CONFIRMATIONS


def settings_from_extra(extra: Mapping[str, str], *, embedded: bool, chain_id: int) -> ExecutionSettings:
    """The settings of a profile whose extra settings are `extra`; ConfigError names a bad value."""
    confirmations = _number(extra, CONFIRMATIONS_KEY, default_confirmations(embedded=embedded, chain_id=chain_id),
                            1, 1000)
    lease = _number(extra, LEASE_KEY, DEFAULT_LEASE_SECONDS, 30, 86_400)
    replace_after = _number(extra, REPLACE_AFTER_KEY, DEFAULT_REPLACE_AFTER_SECONDS, 0, 86_400)
    return ExecutionSettings(confirmations=int(confirmations), claim_lease_seconds=float(lease),
                             replace_after_seconds=float(replace_after))


def _number(extra: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    text = extra.get(key)
    if text is None:
        return default
    try:
        value = float(text) if "." in text else int(text)
    except ValueError:
        raise ConfigError(f"The profile setting {key} must be a number, not {text[:40]!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"The profile setting {key} must be from {low:g} to {high:g}; it is {text[:40]}")
    return value
