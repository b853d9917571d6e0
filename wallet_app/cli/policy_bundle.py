"""`custos policy export | import`: the governed policy carried to an offline signer as a file, and the policy
service of an offline profile (which never opens a chain: its governance is checked against the anchored owners).

`export` runs on an online profile: the policy in force must verify there first. `import` runs only on an offline
profile; an online profile's policy comes from its governance vault's owners, never from a file.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from wallet_app.cli.common import print_lines, visible_lines, with_profile, write_new_file
from wallet_app.cli.policy_text import format_time
from wallet_app.errors import ConfigError

if TYPE_CHECKING:
    from wallet_app.policy.bundle_export import ExportedBundle
    from wallet_app.policy.bundle_import import ImportedBundle
    from wallet_app.policy.service import PolicyService
    from wallet_app.policy.views import ActivePolicy
    from wallet_app.profiles import Profile

T = TypeVar("T")
EXPORT_HELP = ("write the policy in force with its history, signatures and denylist as a bundle for an offline "
               "signer (never over an existing file)")
IMPORT_HELP = ("on an offline signer: accept a policy bundle, only if the quorum of the owners anchored here signed "
               "it (all of it, or nothing)")


def register_bundle_commands(actions: argparse._SubParsersAction[Any]) -> None:
    """`policy export` and `policy import`, beside the other `policy` subcommands."""
    export = actions.add_parser("export", help=EXPORT_HELP)
    export.add_argument("--out", type=Path, required=True, metavar="FILE", help="the bundle to write (JSON)")
    export.set_defaults(handler=policy_export)
    bundle_import = actions.add_parser("import", help=IMPORT_HELP)
    bundle_import.add_argument("file", type=Path, metavar="FILE", help="a bundle written by `custos policy export`")
    bundle_import.set_defaults(handler=policy_import)


def with_policy_service(args: argparse.Namespace, work: Callable[[PolicyService, dict[str, str]], T]) -> T:
    """Run `work` with the profile's policy service and the names it knows (labels, vaults). An offline profile
    gets its policy service alone, over the anchored owners: it never builds the chain stack."""

    def run(profile: Profile) -> T:
        names = {a: e.label for a, e in profile.load_labels().items()}
        if profile.is_offline:
            from wallet_app.vaults.anchors import AnchorStore

            anchors = AnchorStore(engine=profile.engine, chain_id=profile.config.chain_id).load_all()
            names.update({a.facts.address: a.facts.label for a in anchors if a.facts.label})
            from wallet_app.policy.offline_site import offline_policy_site

            return work(offline_policy_site(profile).build_service(), names)
        from wallet_app.services import build_services

        services = build_services(profile)
        try:
            names.update({v.address: v.label for v in profile.vault_registry.load_entries()})
            return work(services.policy, names)
        finally:
            services.close()

    return with_profile(args, run)


def policy_export(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists():
        raise ConfigError(f"{visible_lines(str(out))} already exists; choose another file name")

    def run(profile: Profile) -> ExportedBundle:
        from wallet_app.policy.bundle_export import build_export
        from wallet_app.policy.checker_setup import policy_directory
        from wallet_app.policy.policy_store import PolicyStore
        from wallet_app.services import build_services

        if profile.is_offline:
            raise ConfigError("This profile is an offline signer: its policy comes from a bundle. Export the bundle "
                              "on the online desktop and import it here (custos policy import FILE)")
        services = build_services(profile)
        try:
            exported = build_export(store=PolicyStore(engine=profile.engine, chain_id=profile.config.chain_id),
                                    service=services.policy, policy_dir=policy_directory(profile.paths))
            write_new_file(out, exported.data)
            services.audit.record_export(kind="policy bundle", fmt="json", path=out, subject=exported.active.digest,
                                         detail=_export_detail(exported))
            return exported
        finally:
            services.close()

    from wallet_app.policy.bundle import denylist_fingerprint

    exported = with_profile(args, run)
    bundle, active = exported.bundle, exported.active
    lines = [f"Wrote the policy bundle to {visible_lines(str(out))}: versions "
             f"{', '.join(str(v) for v in exported.versions)}"]
    lines += _in_force_lines(active, "owners of")
    lines += [f"Waiting:  version {e.record.version} ({e.record.digest}), in force from "
              f"{format_time(e.record.effective_at)} unless rejected" for e in bundle.pending]
    lines += [f"Rejected: version {e.record.version} ({e.record.digest}), by {e.record.closed_by}"
              for e in bundle.rejected]
    lines += [f"Left out: {visible_lines(s)}" for s in exported.skipped]
    lines += _denylist_lines([(name, denylist_fingerprint(text), "") for name, text in bundle.denylists])
    lines.append("On the offline signer: custos --profile SIGNER policy import FILE, and compare the digest above")
    print_lines(lines)
    return 0


def policy_import(args: argparse.Namespace) -> int:
    path: Path = args.file

    def run(profile: Profile) -> ImportedBundle:
        from wallet_app.audit.profile_log import build_audit_log
        from wallet_app.policy.bundle_import import import_bundle, load_bundle_file
        from wallet_app.policy.offline_site import offline_policy_site

        if not profile.is_offline:
            raise ConfigError("This profile is online: its policy comes from its governance vault's owners (custos "
                              "policy propose / approve), never from a file. A policy bundle is imported on an "
                              "offline signer profile.")
        raw = load_bundle_file(path)
        return import_bundle(raw, site=offline_policy_site(profile, build_audit_log(profile)))

    result = with_profile(args, run)
    shown = visible_lines(str(path))
    if result.written:
        lines = [f"Imported the policy bundle {shown}:"] + [f"  {visible_lines(w)}" for w in result.written]
    else:
        lines = [f"Nothing new in {shown}: this signer holds all of it already."]
    lines += _in_force_lines(result.active, "owners anchored here for")
    lines += [f"Waiting:  version {d.version} ({d.digest}), in force from {format_time(d.effective_at)} unless "
              "rejected" for d in result.waiting]
    lines += _denylist_lines([(name, fingerprint, "written now" if written else "unchanged")
                              for name, fingerprint, written in result.denylists])
    print_lines(lines)
    return 0


def _in_force_lines(active: ActivePolicy, owners: str) -> list[str]:
    return [f"In force: version {active.version} ({active.digest}), since {format_time(active.effective_since)}",
            f"Approved: by {', '.join(active.approved_by)} ({len(active.approved_by)} verified signatures; "
            f"{active.required} required of the {owners} {active.governance_vault})"]


def _denylist_lines(files: list[tuple[str, str, str]]) -> list[str]:
    """(file, keccak-256, what happened to it): no one signs a denylist file, so the officer compares its keccak on
    both screens."""
    return [f"Denylist: {visible_lines(name)}, keccak {fingerprint}{f' ({note})' if note else ''}; compare it on "
            "both screens" for name, fingerprint, note in files]


def _export_detail(exported: ExportedBundle) -> dict[str, object]:
    from wallet_app.policy.bundle import denylist_fingerprint

    bundle = exported.bundle
    return {"versions": list(exported.versions), "in_force": exported.active.version,
            "approvals": len(exported.active.approved_by), "waiting": [e.record.digest for e in bundle.pending],
            "rejected": [e.record.digest for e in bundle.rejected],
            "denylists": {name: denylist_fingerprint(text) for name, text in bundle.denylists}}
