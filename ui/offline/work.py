"""What the offline signer's window asks of the core, as plain functions run on a task runner lane (never on the GUI
thread): opening the profile and its signer, reviewing and signing a request, anchoring a vault, importing a policy
bundle, showing a key's account for pairing. They import the core when they run, so the window shows first.

Lanes: everything that may write (the policy's `active()` may promote a waiting change; signing writes the journal
and the audit log; a refused review is logged) runs on the serial lane; reading the anchored vaults runs on the
parallel lane.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.offline.review_rows import ShownReview, prepare_review

if TYPE_CHECKING:
    from wallet_app.offline.signer import OfflineSigner
    from wallet_app.offline.transport import ReadRequest
    from wallet_app.policy.bundle_import import ImportedBundle, PolicySite
    from wallet_app.policy.views import ActivePolicy
    from wallet_app.ur.ur import UR
    from wallet_app.vaults.anchors import AnchoredVault, VaultFacts


@dataclass(frozen=True)
class SignerContext:
    """An opened offline signer profile: its signer (keys, anchors, policy, audit), where its policy lives, and the
    profile itself (closed at exit)."""

    profile: Any  # wallet_app.profiles.Profile
    signer: OfflineSigner
    site: PolicySite
    name: str
    network: str
    chain_id: int
    is_demo: bool

    def close(self) -> None:
        try:
            self.signer.keys.lock_all()
        finally:
            self.profile.close()


def open_signer(home: Path | None, name: str) -> SignerContext:
    """Open the profile and build its offline signer; no chain client, no socket (build_offline_signer refuses an
    online profile)."""
    from wallet_app.offline.signer import build_offline_signer
    from wallet_app.policy.bundle_import import PolicySite
    from wallet_app.policy.policy_store import ActivePolicyFile
    from wallet_app.policy.service_setup import policy_file_path
    from wallet_app.profiles import open_profile

    profile = open_profile(home, name)
    try:
        signer = build_offline_signer(profile)
        site = PolicySite(engine=profile.engine, chain_id=signer.chain_id, load_owners=signer.anchors.owner_reader(),
                          active_file=ActivePolicyFile(policy_file_path(profile.paths)), policy_dir=signer.policy_dir,
                          audit=signer.audit)
    except BaseException:
        profile.close()
        raise
    return SignerContext(profile=profile, signer=signer, site=site, name=profile.name, network=profile.preset.name,
                         chain_id=signer.chain_id, is_demo=profile.is_demo)


# -- signing ------------------------------------------------------------------------------------------------------
def read_request_file(path: Path) -> ReadRequest:
    from wallet_app.offline.transport import read_request_lines, read_text_file

    return read_request_lines(read_text_file(path, "request file"))


def key_labels(signer: OfflineSigner) -> Mapping[str, str]:
    return {k.address: k.label for k in signer.keys.load_keys()}


def review(signer: OfflineSigner, read: ReadRequest) -> ShownReview:
    """The review of `read` in words (serial lane: the policy check may write). A refused review is recorded in the
    audit log here, by the signer's own `refuse` (which then raises, as it does for the CLI): the window offers no way
    to sign it, so `approve` is never called for it."""
    from wallet_app.offline.review import RequestRefused

    reviewed = signer.check(read)
    if not reviewed.can_sign:
        try:
            signer.refuse(reviewed)
        except RequestRefused:
            pass  # recorded; the reasons are shown from the review itself
    return prepare_review(read, reviewed, key_labels(signer))


def approve(signer: OfflineSigner, shown: ShownReview, password: str, confirmed_hash: str) -> tuple[UR, str]:
    """Sign after the officer confirmed the hash (serial lane: the request is checked again, then scrypt, the journal
    and the audit log); the answer as an eth-signature UR and its upper-case text (QR alphanumeric mode).
    RequestRefused when the request is refused now or the hash confirmed is not the one computed here: nothing
    signed."""
    from wallet_app.ur.ur import UR, encode_ur

    answer = signer.approve(shown.read, password, confirmed_hash=confirmed_hash)
    ur = UR(answer.UR_TYPE, answer.to_cbor())
    return ur, encode_ur(ur).upper()


def write_ur_file(path: Path, text: str) -> str:
    """`text` and a line break as a new file (atomic, never over an existing one); FileRefused says why not."""
    from ui.new_files import write_new_file

    return write_new_file(path, (text + "\n").encode("ascii"))


# -- vaults -------------------------------------------------------------------------------------------------------
def load_anchors(signer: OfflineSigner) -> list[AnchoredVault]:
    return signer.anchors.load_all()


def anchor(signer: OfflineSigner, facts: VaultFacts, *, from_setup: bool = False) -> AnchoredVault:
    """Anchor `facts` once, after the officer compared the fingerprint: recorded as "setup-qr" when they came from the
    online desktop's set-up code, as "typed" otherwise."""
    from wallet_app.vaults.anchors import HOW_SETUP_QR, HOW_TYPED

    return signer.anchors.anchor(facts, how=HOW_SETUP_QR if from_setup else HOW_TYPED)


# -- policy -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolicyState:
    active: ActivePolicy | None
    why_none: str  # when there is no policy in force


def policy_state(signer: OfflineSigner) -> PolicyState:
    from wallet_app.policy.governance import PolicyNotInForce

    try:
        return PolicyState(signer.policy.active(datetime.now(UTC)), "")
    except PolicyNotInForce as exc:
        return PolicyState(None, exc.user_message)


def import_policy(site: PolicySite, path: Path) -> ImportedBundle:
    """Import the bundle at `path`: all of it or nothing (PolicyBundleError says why, nothing changed)."""
    from wallet_app.policy.bundle_import import import_bundle, load_bundle_file

    return import_bundle(load_bundle_file(path), site=site)


# -- pairing ------------------------------------------------------------------------------------------------------
def account_text(signer: OfflineSigner, address: str, password: str, device: str) -> tuple[UR, str]:
    """The key's account as a crypto-hdkey UR named `device`, and its upper-case text (serial lane: unlocking is
    scrypt; a key that was locked is locked again)."""
    from wallet_app.ur.ur import encode_ur

    ur = signer.account_ur(address, password, device)
    return ur, encode_ur(ur).upper()
