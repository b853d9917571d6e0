"""Building a profile's compliance desk (called by the composition root, `wallet_app.services`): the counterparty
book, the ownership desk and the Travel Rule desk, with what they read of the profile (its vaults, its tokens'
decimals and roles, the institution's name)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wallet_app.compliance.counterparties import CounterpartyBook
from wallet_app.compliance.ivms import build_payload
from wallet_app.compliance.ownership import OwnershipDesk
from wallet_app.compliance.requirement import Requirement, travel_rule_requirement
from wallet_app.compliance.travel_rule import TravelRuleDesk
from wallet_app.errors import WalletError
from wallet_app.holdings.registry import LICENSED_STABLECOIN_ROLE, TokenRegistry
from wallet_app.policy.rules.base import NATIVE
from wallet_app.policy.travel_rule_section import DEFAULT_TRAVEL_RULE_THRESHOLD
from wallet_app.queue.exec_settings import settings_from_extra

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient
    from wallet_app.policy.checker import CheckResult
    from wallet_app.policy.service import PolicyService
    from wallet_app.profiles import Profile

INSTITUTION_KEY = "institution"  # the profile's extra setting naming the institution in ownership challenges


@dataclass(frozen=True)
class ComplianceDesk:
    counterparties: CounterpartyBook
    ownership: OwnershipDesk
    travel_rule: TravelRuleDesk


def build_compliance(profile: Profile, chain: ChainClient, audit: AuditLog,
                     threshold: Callable[[], int] = lambda: DEFAULT_TRAVEL_RULE_THRESHOLD,
                     clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ComplianceDesk:
    """`threshold`: the Travel Rule threshold of the policy in force, in 10^-6 HKD."""
    chain_id = profile.config.chain_id
    engine = profile.engine
    book = CounterpartyBook(engine=engine, chain_id=chain_id, audit=audit)

    def vaults() -> set[str]:
        return {v.address for v in profile.vault_registry.load_entries()}

    def requirement_of(result: CheckResult) -> Requirement:
        tokens = TokenRegistry(engine=engine, chain_id=chain_id).load_tokens()
        decimals = {t.address: t.decimals for t in tokens if t.verified}
        decimals[NATIVE] = profile.preset.native_decimals
        licensed = {t.address for t in tokens if t.verified and t.role == LICENSED_STABLECOIN_ROLE}
        return travel_rule_requirement(result, decimals=decimals, licensed=licensed, own=vaults(),
                                       threshold_hkd=threshold())

    settings = settings_from_extra(profile.config.extra, embedded=profile.preset.embedded, chain_id=chain_id)
    institution = profile.config.extra.get(INSTITUTION_KEY) or profile.name
    ownership = OwnershipDesk(book=book, chain=chain, audit=audit, institution=institution,
                              confirmations=settings.confirmations, vaults=vaults, clock=clock)
    def from_records(vault: str, beneficiaries: tuple[str, ...]) -> dict[str, Any] | None:
        """One counterparty holding every beneficiary, and the institution's own record: the payload; else None."""
        held = [book.owner_of(b) for b in beneficiaries]
        parties = {h[0].id if h is not None else None for h in held}
        if not held or held[0] is None or len(parties) != 1 or book.counterparty_of(vault) is not None:
            return None
        originator = book.load(institution)
        return None if originator is None else build_payload(originator, [vault], held[0][0], beneficiaries)

    travel = TravelRuleDesk(engine=engine, chain_id=chain_id, audit=audit, requirement_of=requirement_of,
                            from_records=from_records, clock=clock)
    return ComplianceDesk(book, ownership, travel)


def travel_rule_threshold(policy: PolicyService) -> int:
    """The threshold of the policy in force; the default when none is (the policy then denies every transfer)."""
    try:
        return int(policy.active().document.travel_rule_threshold_hkd)
    except WalletError:
        return DEFAULT_TRAVEL_RULE_THRESHOLD
