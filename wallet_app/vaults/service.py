"""What the front ends ask about vaults: read them live, keep the snapshot for the next start, add an existing Safe,
deploy a new one, and tell whether Custos may sign for a vault (SECURITY F4, SC-9)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection

from wallet_app.audit.actions import OPERATOR, VAULT_ADD, VAULT_DEPLOY
from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.domain.vaults import VaultCheck, VaultInfo
from wallet_app.errors import ChainIdMismatch, ConfigError, CustodyRuleViolation, KeyNotFound, WalletError, WatchOnly
from wallet_app.keys.signer import Signer
from wallet_app.keys.views import KeyView
from wallet_app.vaults.inspect import SafeFacts, inspect_safe, require_signable
from wallet_app.vaults.reader import NotASafe, VaultRef, fetch_vault_infos
from wallet_app.vaults.registry import VaultRegistry
from wallet_app.vaults.snapshot import load_snapshot, save_snapshot

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog

MAX_LABEL = 80


class VaultKeys(Protocol):
    """The parts of `KeyService` the vaults use: which keys the profile holds, and signing a deployment."""

    def load_keys(self) -> list[KeyView]: ...
    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None: ...
    def signer(self, address: str) -> Signer: ...
    def lock(self, address: str) -> None: ...


@dataclass(frozen=True, slots=True)
class AddedVault:
    info: VaultInfo  # with `check`
    check: VaultCheck
    owner_keys: tuple[str, ...]  # owners that are keys of this profile
    warnings: tuple[str, ...]  # custody (CCSS 1.04.7)


@dataclass(frozen=True, slots=True)
class DeployedVault:
    added: AddedVault
    tx_hash: bytes
    block_number: int
    gas_used: int
    sender: str
    salt_nonce: int
    version: str
    l2: bool
    singleton: str
    proxy_factory: str
    fallback_handler: str

    @property
    def address(self) -> str:
        return self.added.info.address


class VaultService:
    def __init__(self, *, chain: ChainClient, registry: VaultRegistry, chain_id: int, snapshot_path: Path,
                 keys: VaultKeys | None = None, allow_quorum_on_device: bool = False,
                 audit: AuditLog | None = None) -> None:
        self._chain = chain
        self._registry = registry
        self._chain_id = chain_id
        self._snapshot_path = snapshot_path
        self._keys = keys
        self._allow_quorum = allow_quorum_on_device
        self._audit = audit
        self._checks: dict[str, tuple[VaultCheck, int]] = {}  # address -> (check, nonce it was made at); memory only

    @property
    def chain_id(self) -> int:
        return self._chain_id

    # -- reading --------------------------------------------------------------------------------------------
    def fetch_vaults(self) -> list[VaultInfo]:
        """Every vault at one block, each with its F4 check (re-made whenever slot 0 or the nonce moved)."""
        refs = [VaultRef(e.address, e.label) for e in self._registry.load_entries() if e.kind == "safe"]
        try:
            infos = fetch_vault_infos(self._chain, refs, self._chain_id)
        except NotASafe:  # one vault that no longer answers as a Safe (a takeover) must not hide the others
            infos = [self._read_one(ref) for ref in refs]
        checked = [self._with_check(info) for info in infos]
        save_snapshot(self._snapshot_path, self._chain_id, checked)
        return checked

    def inspect(self, address: str) -> AddedVault:
        """Read and check any Safe (added or not) without changing the profile."""
        label = next((e.label for e in self._registry.load_entries() if e.address == to_checksum(address)), "")
        facts, check = inspect_safe(self._chain, address, self._chain_id)
        self._refuse_non_safe(facts)
        info = facts.to_info(label, check)
        return AddedVault(info, check, self.owner_keys(info.owners), self._custody_warnings(info.owners,
                                                                                             info.threshold))

    def check_for_signing(self, address: str) -> VaultCheck:
        """SC-9: a fresh check of the vault, read now; VaultSigningBlocked if Custos must not sign for it."""
        _facts, check = inspect_safe(self._chain, address, self._chain_id)
        require_signable(check, to_checksum(address))
        return check

    def owner_keys(self, owners: Sequence[str]) -> tuple[str, ...]:
        """The owners that are keys of this profile (watch-only ones included), in the vault's order."""
        if self._keys is None:
            return ()
        held = {k.address for k in self._keys.load_keys()}
        return tuple(o for o in owners if o in held)

    # -- adding ---------------------------------------------------------------------------------------------
    def add_vault(self, address: str, label: str = "") -> AddedVault:
        """Add an existing Safe by address. Refused: no contract there (or a Safe on another chain), a contract that
        is not a Safe, a vault already added. A Safe whose singleton or proxy is unknown IS added, marked blocked
        (F4): the officer sees it, and no key of this profile signs for it."""
        checksummed = to_checksum(address)
        self._refuse_added(checksummed)
        name = _clean_label(label, checksummed)
        facts, check = inspect_safe(self._chain, checksummed, self._chain_id)
        self._refuse_non_safe(facts)
        detail = {"label": name, "version": facts.version, "owners": list(facts.owners or ()),
                  "threshold": facts.threshold, "blocked": check.blocking, "check": check.message[:300]}
        if not self._registry.save_entry(checksummed, name, also=self._audited(VAULT_ADD, checksummed, detail)):
            raise ConfigError(f"{checksummed} is already one of this profile's vaults")
        info = facts.to_info(name, check)
        self._checks[checksummed] = (check, info.nonce)
        self._save_with(info)
        return AddedVault(info, check, self.owner_keys(info.owners), self._custody_warnings(info.owners,
                                                                                             info.threshold))

    # -- deploying ------------------------------------------------------------------------------------------
    def deploy_safe(self, owners: Sequence[str], threshold: int, key: str, password: str, *, label: str,
                    salt_nonce: int | None = None) -> DeployedVault:
        """Deploy a new Safe 1.4.1 (L2) vault with these owners and threshold from the profile's `key` (unlocked
        with `password` for this transaction only), and add it to the profile."""
        from wallet_app.vaults.deploy import plan_deployment, send_deployment, verify_contracts_on_chain
        from wallet_app.vaults.known_deployments import deployment_set

        contracts = deployment_set()
        plan = plan_deployment(owners, threshold, contracts, salt_nonce)
        sender = self._sending_key(key)
        warnings = self._custody_warnings(plan.owners, plan.threshold, refuse=True)
        name = _clean_label(label, plan.predicted)
        chain_id = self._chain.fetch_chain_id()
        if chain_id != self._chain_id:
            raise ChainIdMismatch(f"The node answered for chain {chain_id}, but this profile is pinned to chain "
                                  f"{self._chain_id}")
        verify_contracts_on_chain(self._chain, contracts, self._chain_id)
        keys = self._keys
        assert keys is not None  # _sending_key checked it
        was_unlocked = any(k.address == sender and k.unlocked for k in keys.load_keys())
        keys.unlock(sender, password)  # the password is asked every time, unlocked or not
        try:
            sent = send_deployment(self._chain, self._chain_id, plan, sender, keys.signer(sender))
        finally:
            if not was_unlocked:
                keys.lock(sender)
        self._registry.save_entry(sent.address, name, also=self._audited(VAULT_DEPLOY, sent.address, {
            "label": name, "owners": list(plan.owners), "threshold": plan.threshold, "deployer": sender,
            "tx_hash": "0x" + sent.tx_hash.hex(), "version": contracts.version}, actor=sender))
        facts, check = inspect_safe(self._chain, sent.address, self._chain_id)
        if facts.owners != plan.owners or facts.threshold != plan.threshold:
            raise NotASafe(f"The vault created at {sent.address} does not have the owners and threshold asked for")
        info = facts.to_info(name, check)
        self._checks[sent.address] = (check, info.nonce)
        self._save_with(info)
        added = AddedVault(info, check, self.owner_keys(info.owners), warnings)
        return DeployedVault(added, sent.tx_hash, sent.block_number, sent.gas_used, sender, plan.salt_nonce,
                             contracts.version, True, contracts.singleton, contracts.proxy_factory,
                             contracts.fallback_handler)

    # -- helpers --------------------------------------------------------------------------------------------
    def _audited(self, action: str, address: str, detail: dict[str, Any],
                 actor: str = OPERATOR) -> Callable[[Connection], object] | None:
        audit = self._audit
        if audit is None:
            return None
        return lambda conn: audit.append(conn, actor=actor, action=action, subject=address, detail=detail)

    def _read_one(self, ref: VaultRef) -> VaultInfo:
        try:
            return fetch_vault_infos(self._chain, [ref], self._chain_id)[0]
        except NotASafe:
            facts, check = inspect_safe(self._chain, ref.address, self._chain_id)
            self._checks[facts.address] = (check, facts.nonce or 0)
            return facts.to_info(ref.label, check)

    def _with_check(self, info: VaultInfo) -> VaultInfo:
        if info.check is not None:
            return info
        slot0 = self._chain.fetch_storage_at(info.address, 0, info.block_number).rjust(32, b"\0")[-32:]
        cached = self._checks.get(info.address)
        if cached is not None and cached[1] == info.nonce and slot0[:12] == bytes(12) \
                and from_bytes(slot0[12:]) == cached[0].singleton:
            return dataclasses.replace(info, check=cached[0])
        _facts, check = inspect_safe(self._chain, info.address, self._chain_id)
        self._checks[info.address] = (check, info.nonce)
        return dataclasses.replace(info, check=check)

    def _save_with(self, info: VaultInfo) -> None:
        """Put the vault into the snapshot: all vaults read again, or this one added to the last snapshot."""
        try:
            self.fetch_vaults()
            return
        except WalletError:
            pass
        snapshot = load_snapshot(self._snapshot_path, self._chain_id)
        others = [v for v in snapshot.vaults if v.address != info.address] if snapshot is not None else []
        save_snapshot(self._snapshot_path, self._chain_id, [*others, info])

    def _refuse_added(self, address: str) -> None:
        entry = next((e for e in self._registry.load_entries() if e.address == address), None)
        if entry is not None:
            raise ConfigError(f"{address} is already one of this profile's vaults ({entry.label})")

    @staticmethod
    def _refuse_non_safe(facts: SafeFacts) -> None:
        if not facts.answers_as_safe and facts.proxy_release is None:
            raise NotASafe(f"The contract at {facts.address} is not a Safe: it has no Safe proxy code and does not "
                           "answer VERSION, getOwners and getThreshold")

    def _sending_key(self, key: str) -> str:
        address = to_checksum(key)
        if self._keys is None:
            raise ConfigError("This installation has no keys to send a transaction with")
        view = next((k for k in self._keys.load_keys() if k.address == address), None)
        if view is None:
            raise KeyNotFound(f"{address} is not one of this profile's keys")
        if not view.can_sign:
            raise WatchOnly(f"{view.label} is a watch-only address: it cannot send the deployment")
        return address

    def _custody_warnings(self, owners: Sequence[str], threshold: int, *, refuse: bool = False) -> tuple[str, ...]:
        """CCSS 1.04.7 (H7): one device must not hold two owner keys of a vault. Deploying refuses it unless the
        profile allows a quorum on the device; adding an existing vault only warns (the keys are already here)."""
        if self._keys is None:
            return ()
        held = [k.address for k in self._keys.load_keys() if k.can_sign and k.address in owners]
        if len(held) >= 2 and refuse and not self._allow_quorum:
            raise CustodyRuleViolation(
                f"This profile holds {len(held)} of the new vault's owner keys ({', '.join(held)}); one device must "
                "not hold two owner keys of the same vault. Make the vault with owners whose keys are on other "
                "officers' devices.")
        if held and len(held) >= threshold:
            return (f"This device holds {len(held)} owner key(s) of the vault, a quorum ({threshold} of "
                    f"{len(owners)}): whoever has this device can move the vault's assets alone.",)
        if len(held) >= 2:
            return (f"This device holds {len(held)} owner keys of the vault; one device should hold one.",)
        return ()


def _clean_label(label: str, address: str) -> str:
    cleaned = " ".join(label.split())
    if not cleaned:
        return f"Safe {address[:6]}…{address[-4:]}"
    if len(cleaned) > MAX_LABEL:
        raise ConfigError(f"A vault label has at most {MAX_LABEL} characters")
    return cleaned
