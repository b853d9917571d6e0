"""`custos demo init`: build the demo profile once, completely or not at all.

Everything is built in staging directories beside the profiles and moved into place by renames, the demo profile's
last, so a crash half-way leaves no half-made demo profile; a second run finds the profile and changes nothing. The
demo's offline signer profile (`demo-signer`, holding the cold vault's share records) and the cold vault's share files
(`demo-cold-shares/`) are made with it (wallet_app.demo.demo_cold).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wallet_app.chain.client import ChainClient
from wallet_app.config import ProfileConfig, ProfilePaths, profile_paths, resolve_home, save_config
from wallet_app.demo.demo_cold import COLD_VAULT_LABEL, DEMO_SIGNER_PROFILE, SHARES_DIR, build_demo_signer
from wallet_app.demo.institution import DemoInstitution, DemoPeople, Person, seed_institution
from wallet_app.domain.network import DEVNET_CHAIN_ID
from wallet_app.errors import DevnetBusy, DevnetCorrupt
from wallet_app.keys.keystore import encrypt_key, new_private_key
from wallet_app.keys.registry import KeyRecord, KeyRegistry
from wallet_app.keys.signer import KeyKind
from wallet_app.policy.checker_setup import SIMULATION_PROBE
from wallet_app.profiles import Profile, open_profile
from wallet_app.storage.atomic import fsync_directory, write_atomic

DEMO_PROFILE = "demo"
DEMO_PASSWORD = "custos-demo"  # noqa: S105 - documented in the README; demo keys never leave the demo profile


@dataclass(frozen=True)
class DemoResult:
    created: bool
    profile_dir: Path
    set_aside: Path | None = None  # where a damaged demo profile was moved


def ensure_demo(home: Path | str | None) -> DemoResult:
    resolved = resolve_home(home)
    paths = profile_paths(resolved, DEMO_PROFILE)
    set_aside: Path | None = None
    if paths.config_file.exists():
        damage = _find_devnet_damage(paths)
        if damage is None:
            open_profile(resolved, DEMO_PROFILE).close()  # proves it is readable; changes nothing
            return DemoResult(created=False, profile_dir=paths.root)
        set_aside = _set_aside(paths.root)
    if paths.root.exists():
        from wallet_app.errors import ConfigError

        raise ConfigError(f"{paths.root} exists but holds no profile; move it aside and run again")
    signer = profile_paths(resolved, DEMO_SIGNER_PROFILE).root
    shares = resolved / SHARES_DIR
    for earlier in (signer, shares):  # the demo's signer and shares go with the demo profile they were made for
        if earlier.exists():
            _set_aside(earlier)
    profiles_dir = paths.root.parent
    profiles_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in profiles_dir.glob(".demo-staging-*"):
        shutil.rmtree(stale)  # our own leftovers from an interrupted run; never a user's profile
    staging = profiles_dir / f".demo-staging-{os.getpid()}"
    staged = (staging, staging.with_name(staging.name + "-signer"), staging.with_name(staging.name + "-shares"))
    try:
        _build(*staged)
        os.rename(staged[2], shares)
        os.rename(staged[1], signer)
        os.rename(staging, paths.root)  # last: a demo profile exists only with its signer and shares
        fsync_directory(profiles_dir)
        fsync_directory(resolved)
    finally:
        for path in staged:
            if path.exists():
                shutil.rmtree(path)
    return DemoResult(created=True, profile_dir=paths.root, set_aside=set_aside)


def _find_devnet_damage(paths: ProfilePaths) -> str | None:
    """Why the demo's devnet cannot be used, or None if it opens (or another process holds it open)."""
    from wallet_app.chain.devnet import Devnet

    if not Devnet.exists(paths.devnet):
        return "its devnet is missing"
    try:
        Devnet.open(paths.devnet).close()
    except DevnetBusy:
        return None
    except DevnetCorrupt as exc:
        return exc.user_message
    return None


def _set_aside(root: Path) -> Path:
    """Move a damaged demo profile out of the way, whole; it is kept for inspection, never deleted."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = root.with_name(f".{root.name}-damaged-{stamp}")
    os.rename(root, target)
    fsync_directory(root.parent)
    return target


def _build(staging: Path, signer_staging: Path, shares_staging: Path) -> None:
    from wallet_app.chain.devnet import Devnet, DevnetProvider
    from wallet_app.chain.web3_client import Web3ChainClient
    from wallet_app.compliance.setup import INSTITUTION_KEY
    from wallet_app.demo.demo_compliance import INSTITUTION
    from wallet_app.profiles import open_profile_dir

    paths = ProfilePaths(staging)
    people = DemoPeople.generate(new_private_key)
    cold_vault = build_demo_signer(ProfilePaths(signer_staging), shares_staging)  # the demo never holds its key
    from wallet_app.vaults.known_deployments import SAFE_SINGLETON_FACTORY, SINGLETON_FACTORY_RUNTIME

    predeploys = {SAFE_SINGLETON_FACTORY: SINGLETON_FACTORY_RUNTIME}  # so the Safe contracts get canonical addresses
    with Devnet.create(paths.devnet, chain_id=DEVNET_CHAIN_ID, alloc=people.genesis_alloc(),
                       code=predeploys) as devnet:
        client = Web3ChainClient(provider=DevnetProvider(devnet), endpoint="in-process")
        demo = seed_institution(client, DEVNET_CHAIN_ID, people, cold_vault=cold_vault)
        _write_keystores(paths.keystores, people.key_holders)
        config = ProfileConfig(name=DEMO_PROFILE, network="devnet", chain_id=DEVNET_CHAIN_ID, demo=True,
                               allow_quorum_on_device=True, unlock_factors=1,
                               extra={SIMULATION_PROBE: demo.simulation_probe,
                                      INSTITUTION_KEY: INSTITUTION.name})
        save_config(paths, config, create=True)
        profile = open_profile_dir(paths)
        try:
            _register(profile, demo, people)
            _put_policy_in_force(profile, client, demo, people)  # reads the vaults' owners: the devnet must be open
            _equip_signer(ProfilePaths(signer_staging), profile, client, demo)
        finally:
            profile.close()


def _put_policy_in_force(profile: Profile, client: ChainClient, demo: DemoInstitution, people: DemoPeople) -> None:
    """Install the demo policy, record a decision it allows, one it escalates and one it denies, and queue the demo's
    transactions (wallet_app.demo.demo_queue)."""
    from wallet_app.demo.demo_compliance import demo_travel_rule, seed_demo_compliance
    from wallet_app.demo.demo_policy import install_demo_policy, record_sample_decisions
    from wallet_app.demo.demo_queue import seed_demo_queue
    from wallet_app.policy.service_setup import vault_owner_reader
    from wallet_app.services import build_services

    services = build_services(profile, chain=client)
    try:
        install_demo_policy(profile, demo, people, load_owners=vault_owner_reader(services.vaults),
                            now=datetime.now(UTC), audit=services.audit)
        record_sample_decisions(services.policy_checker, demo, people)
        seed_demo_compliance(services.compliance, people)
        book = services.compliance.counterparties
        seed_demo_queue(services.queue, demo, people, lambda vault, to: demo_travel_rule(book, vault, to))
    finally:
        services.close()


def _equip_signer(signer: ProfilePaths, profile: Profile, client: ChainClient, demo: DemoInstitution) -> None:
    """The demo signer anchors the treasury (whose owners approve policies) and imports the policy bundle, as its
    officer would by `custos offline vault add` and `custos policy import`: it can then review the cold vault's
    transfers under the policy in force."""
    from wallet_app.audit.profile_log import build_audit_log
    from wallet_app.policy.bundle_export import build_export
    from wallet_app.policy.bundle_import import import_bundle
    from wallet_app.policy.checker_setup import policy_directory
    from wallet_app.policy.offline_site import offline_policy_site
    from wallet_app.policy.policy_store import PolicyStore
    from wallet_app.profiles import open_profile_dir
    from wallet_app.services import build_services
    from wallet_app.vaults.anchors import HOW_TYPED, AnchorStore, vault_facts

    services = build_services(profile, chain=client)
    try:
        treasury = services.vaults.inspect(demo.vaults["Harbour treasury"]).info
        bundle = build_export(store=PolicyStore(engine=profile.engine, chain_id=profile.config.chain_id),
                              service=services.policy, policy_dir=policy_directory(profile.paths)).data
    finally:
        services.close()
    opened = open_profile_dir(signer)
    try:
        audit = build_audit_log(opened)
        AnchorStore(engine=opened.engine, chain_id=opened.config.chain_id, audit=audit).anchor(
            vault_facts(opened.config.chain_id, treasury.address, treasury.version, treasury.owners,
                        treasury.threshold, "Harbour treasury"), how=HOW_TYPED)
        import_bundle(bundle, site=offline_policy_site(opened, audit))
    finally:
        opened.close()


def _write_keystores(directory: Path, people: tuple[Person, ...]) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for person in people:
        keystore = encrypt_key(person.key, DEMO_PASSWORD)
        keystore["x-custos"] = {"label": person.label, "demo": True}
        write_atomic(directory / f"{person.address}.json", json.dumps(keystore, indent=2).encode())


def _register(profile: Profile, demo: DemoInstitution, people: DemoPeople) -> None:
    from sqlalchemy import insert

    from wallet_app.demo.demo_policy import SANCTIONED_ADDRESS, SANCTIONED_LABEL
    from wallet_app.storage.labels import AddressLabel
    from wallet_app.storage.schema import price_feeds, tokens

    chain_id = profile.config.chain_id
    for label, address in demo.vaults.items():
        profile.vault_registry.save_entry(address, label, kind="account" if label == COLD_VAULT_LABEL else "safe")
    with profile.engine.begin() as conn:
        conn.execute(insert(tokens), [
            {"chain_id": chain_id, "address": t.address, "standard": t.standard, "symbol": t.symbol,
             "name": t.name, "decimals": t.decimals, "role": t.role}
            for t in demo.tokens
        ])
        if demo.feeds:
            conn.execute(insert(price_feeds), [
                {"chain_id": chain_id, "address": f.address, "kind": f.kind, "currency": f.currency,
                 "max_age_seconds": f.max_age_seconds, "reports_now": f.reports_now, "label": f.label}
                for f in demo.feeds
            ])
    named = [AddressLabel(p.address, p.label, p.kind) for p in (*people.key_holders, *people.investors)]
    named.append(AddressLabel(SANCTIONED_ADDRESS, SANCTIONED_LABEL, "counterparty"))  # on the demo sanctions list
    named += [AddressLabel(a, f"Safe {k.replace('_', ' ')}", "contract") for k, a in demo.safe_contracts.items()]
    named += [AddressLabel(a, label, "contract") for label, a in demo.contracts.items()]
    named += [AddressLabel(t.address, t.name, "contract") for t in demo.tokens]
    profile.label_book.save_many(named)
    from wallet_app.audit.profile_log import build_audit_log

    registry = KeyRegistry(engine=profile.engine, audit=build_audit_log(profile))  # each key is an audit entry
    for person in people.key_holders:
        record = KeyRecord(person.address, KeyKind.KEYSTORE, person.label, datetime.now(UTC))
        registry.save(record, action="created (demo)", detail="demo key (its password is in the README)")
