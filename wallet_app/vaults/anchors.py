"""The vaults an offline signer signs for, as its officer confirmed them on that machine: trust anchored once.

An offline profile never reads a chain, so it cannot learn a vault's owners or threshold by itself. At set-up the
officer types them (or reads them from the online desktop's setup QR code) and compares a fingerprint of them with
the one the online screen shows; from then on these rows decide which requests the signer will look at, which Safe
version's hashes it computes, and whose signatures a policy bundle needs. A change of owners or threshold later comes
only as a bundle signed by the quorum anchored here, never by typing over a row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eth_hash.auto import keccak
from sqlalchemy import Engine, insert, select, update

from wallet_app.audit import actions
from wallet_app.audit.log import AuditLog
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import version_tuple
from wallet_app.errors import WalletError
from wallet_app.storage.schema import offline_vaults

HOW_TYPED = "typed"
HOW_SETUP_QR = "setup-qr"
HOW_CHANGE = "change"
MAX_OWNERS = 50


class AnchorError(WalletError, ValueError):
    """A vault's set-up is not one an offline signer can anchor, or the vault is not anchored."""

    code = "offline_anchor"


@dataclass(frozen=True, slots=True)
class VaultFacts:
    """What an officer confirms about one vault: enough to compute its hashes and to know its quorum."""

    chain_id: int
    address: str
    version: str
    owners: tuple[str, ...]
    threshold: int
    label: str = ""

    @property
    def fingerprint(self) -> str:
        """keccak-256 of the facts in a fixed text form, as 64 hex digits (the label is not part of it)."""
        text = "\n".join((
            "custos-vault-anchor/1", f"chain:{self.chain_id}", f"vault:{self.address}", f"version:{self.version}",
            f"threshold:{self.threshold}", "owners:" + ",".join(sorted(self.owners, key=str.lower)),
        ))
        return keccak(text.encode("ascii")).hex()

    @property
    def fingerprint_words(self) -> str:
        """The first 80 bits of the fingerprint in five groups of four, for a person to compare between screens."""
        head = self.fingerprint[:20].upper()
        return " ".join(head[i:i + 4] for i in range(0, 20, 4))


def vault_facts(chain_id: int, address: str, version: str, owners: Sequence[str], threshold: int,
                label: str = "") -> VaultFacts:
    """Validated facts: EIP-55 addresses, distinct owners, 1 <= threshold <= owners, a Safe version Custos signs for."""
    vault = to_checksum(address)
    try:
        version_tuple(version)
    except ValueError as exc:
        raise AnchorError(str(exc)) from None
    if len(version) > 16:
        raise AnchorError("A Safe version is a short text such as 1.4.1")
    checked = tuple(to_checksum(o) for o in owners)
    if not checked or len(checked) > MAX_OWNERS:
        raise AnchorError(f"A vault has from 1 to {MAX_OWNERS} owners ({len(checked)} given)")
    if len(set(checked)) != len(checked):
        raise AnchorError("An owner is named twice")
    if vault in checked:
        raise AnchorError("A vault cannot be its own owner here")
    if not 1 <= threshold <= len(checked):
        raise AnchorError(f"The threshold must be from 1 to the number of owners ({len(checked)}); {threshold} given")
    clean_label = " ".join(label.split())[:80]
    return VaultFacts(chain_id, vault, version, checked, threshold, clean_label)


@dataclass(frozen=True, slots=True)
class AnchoredVault:
    facts: VaultFacts
    anchored_at: datetime
    how: str
    last_change_nonce: int | None = None


class AnchorStore:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain_id = chain_id
        self._audit = audit

    def load_all(self) -> list[AnchoredVault]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(offline_vaults).where(offline_vaults.c.chain_id == self._chain_id)
                                .order_by(offline_vaults.c.anchored_at, offline_vaults.c.address)).all()
        return [_anchored(row) for row in rows]

    def find(self, address: str) -> AnchoredVault | None:
        wanted = to_checksum(address)
        return next((a for a in self.load_all() if a.facts.address == wanted), None)

    def require(self, address: str) -> AnchoredVault:
        found = self.find(address)
        if found is None:
            raise AnchorError(f"{to_checksum(address)} is not a vault this offline signer knows: anchor it first "
                              "(custos offline vault add), after comparing its fingerprint with the online screen")
        return found

    def anchor(self, facts: VaultFacts, *, how: str, now: datetime | None = None) -> AnchoredVault:
        """Anchor a vault once. A vault already anchored is refused: its owners change only by a signed bundle."""
        if facts.chain_id != self._chain_id:
            raise AnchorError(f"The vault is on chain {facts.chain_id}; this profile signs for chain {self._chain_id}")
        if how not in (HOW_TYPED, HOW_SETUP_QR):
            raise AnchorError(f"unknown way of anchoring: {how[:20]}")
        at = now or datetime.now(UTC)
        with self._engine.begin() as conn:
            exists = conn.execute(select(offline_vaults.c.address).where(
                offline_vaults.c.chain_id == self._chain_id, offline_vaults.c.address == facts.address)).first()
            if exists is not None:
                raise AnchorError(f"{facts.address} is anchored already; its owners or threshold change only by a "
                                  "bundle its current quorum signed")
            conn.execute(insert(offline_vaults).values(
                chain_id=self._chain_id, address=facts.address, label=facts.label, version=facts.version,
                owners=json.dumps(list(facts.owners)), threshold=facts.threshold, fingerprint=facts.fingerprint,
                anchored_at=at, anchored_how=how))
            if self._audit is not None:
                self._audit.append(conn, actor=actions.OPERATOR, action=actions.OFFLINE_ANCHOR, subject=facts.address,
                                   detail={"version": facts.version, "owners": list(facts.owners),
                                           "threshold": facts.threshold, "fingerprint": facts.fingerprint,
                                           "how": how, "label": facts.label})
        return AnchoredVault(facts, at, how)

    def save_change(self, before: AnchoredVault, facts: VaultFacts, nonce: int, *,
                    now: datetime | None = None) -> AnchoredVault:
        """Store the facts an owner change gave (verified by wallet_app.offline.anchor_changes) with its nonce."""
        at = now or datetime.now(UTC)
        with self._engine.begin() as conn:
            conn.execute(update(offline_vaults).where(
                offline_vaults.c.chain_id == self._chain_id, offline_vaults.c.address == facts.address).values(
                owners=json.dumps(list(facts.owners)), threshold=facts.threshold, fingerprint=facts.fingerprint,
                anchored_at=at, anchored_how=HOW_CHANGE, last_change_nonce=nonce))
            if self._audit is not None:
                self._audit.append(conn, actor=actions.OPERATOR, action=actions.OFFLINE_ANCHOR, subject=facts.address,
                                   detail={"how": HOW_CHANGE, "nonce": str(nonce), "owners": list(facts.owners),
                                           "threshold": facts.threshold, "fingerprint": facts.fingerprint,
                                           "previous_fingerprint": before.facts.fingerprint})
        return AnchoredVault(facts, at, HOW_CHANGE, nonce)

    def owner_reader(self) -> LoadAnchoredOwners:
        return LoadAnchoredOwners(self)


class LoadAnchoredOwners:
    """`load_owners` for the policy's governance on an offline profile: the anchored owners and threshold."""

    def __init__(self, store: AnchorStore) -> None:
        self._store = store

    def __call__(self, vault: str) -> tuple[Sequence[str], int]:
        facts = self._store.require(vault).facts
        return facts.owners, facts.threshold


def _anchored(row: object) -> AnchoredVault:
    owners = tuple(str(o) for o in json.loads(str(getattr(row, "owners"))))  # noqa: B009
    at = getattr(row, "anchored_at")  # noqa: B009
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    facts = VaultFacts(int(getattr(row, "chain_id")), str(getattr(row, "address")),  # noqa: B009
                       str(getattr(row, "version")), owners, int(getattr(row, "threshold")),  # noqa: B009
                       str(getattr(row, "label")))  # noqa: B009
    if facts.fingerprint != str(getattr(row, "fingerprint")):  # noqa: B009
        raise AnchorError(f"The anchored vault {facts.address} was edited outside Custos (its fingerprint no longer "
                          "matches its owners and threshold); nothing is signed for it")
    nonce = getattr(row, "last_change_nonce", None)
    return AnchoredVault(facts, at, str(getattr(row, "anchored_how")),  # noqa: B009
                         None if nonce is None else int(nonce))

