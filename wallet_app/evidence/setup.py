"""Building what an evidence export uses, from a profile (the command line: no chain stack unless a receipt is
wanted, and then the profile's own node, opened once and closed after) or from the desktop's running services
(`EvidenceDesk`, what the Audit page's "Export evidence pack…" calls on a worker lane)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app.audit.actors import load_key_addresses
from wallet_app.evidence.export import EvidenceExport, EvidenceSources, Progress, export_evidence
from wallet_app.evidence.period import build_period
from wallet_app.evidence.receipts import ReceiptReader
from wallet_app.safe.journal import SigningJournal

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient
    from wallet_app.keys.service import KeyService
    from wallet_app.keys.views import KeyView
    from wallet_app.profiles import Profile


def _known_keys(profile: Profile) -> Callable[[str], bool]:
    known = load_key_addresses(profile.engine)
    return lambda address: address.lower() in known


def _profile_node(profile: Profile) -> Callable[[], tuple[ChainClient, Callable[[], None]]]:
    def open_node() -> tuple[ChainClient, Callable[[], None]]:
        from wallet_app.chain.connect import open_chain

        opened = open_chain(profile.config, profile.paths.devnet)
        try:
            opened.client.connect(profile.config.chain_id)
        except BaseException:
            opened.close()
            raise
        return opened.client, opened.close

    return open_node


def build_evidence_sources(profile: Profile, *, chain: ChainClient | None = None, audit: AuditLog | None = None,
                           keys: KeyService | None = None) -> EvidenceSources:
    """The sources of an export of `profile`. Without `chain`, receipts are read from the profile's node, opened when
    the first one is wanted (an offline signer profile has none: its receipts are not fetched)."""
    from wallet_app.audit.profile_log import build_audit_log
    from wallet_app.profile_keys import build_key_service

    audit = audit or build_audit_log(profile)
    keys = keys or build_key_service(profile, audit)
    if chain is not None:
        given = chain
        receipts = ReceiptReader(lambda: (given, lambda: None))
    elif profile.is_offline:
        receipts = ReceiptReader(None, reason_if_none="this is an offline signer profile: it has no node")
    else:
        receipts = ReceiptReader(_profile_node(profile))
    preset = profile.preset
    return EvidenceSources(engine=profile.engine, chain_id=profile.config.chain_id, network=preset.name,
                           native=(preset.native_symbol, preset.native_decimals), audit=audit, keys=keys,
                           journal=SigningJournal(profile.engine), receipts=receipts,
                           key_lookup=_known_keys(profile))


class EvidenceDesk:
    """The desktop's evidence export over its running services: the keys that can sign, and the export itself.
    Nothing is read until a method is called (each may block: run them on a worker lane)."""

    def __init__(self, *, profile: Profile, chain: ChainClient | None, audit: AuditLog, keys: KeyService) -> None:
        self._profile = profile
        self._chain = chain
        self._audit = audit
        self._keys = keys

    def load_keys(self) -> list[KeyView]:
        """The profile's keys that can sign here (keystore and HSM keys; not watch-only or offline ones)."""
        return [k for k in self._keys.load_keys() if k.can_sign]

    def export(self, *, first_day: str, last_day: str, out: Path, key: str, password: str,
               progress: Progress | None = None) -> EvidenceExport:
        """The pack of the days `first_day` to `last_day` (YYYY-MM-DD, UTC, both included) at `out`."""
        period = build_period(first_day, last_day)
        sources = build_evidence_sources(self._profile, chain=self._chain, audit=self._audit, keys=self._keys)
        try:
            return export_evidence(sources, period=period, out=out, key=key, password=password, progress=progress)
        finally:
            sources.receipts.close()
