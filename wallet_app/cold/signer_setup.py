"""How an offline signer profile's cold vaults are wired, the same for `custos cold` and the offline signer window:
the profile's cold vault store, which requests are a cold vault's, the review of one under this signer's own policy,
denylist, signature journal and clock (wallet_app.cold.review), and telling whose share an officer just entered.

`identify_share` is a courtesy to the officers of a signing ceremony: each learns at once, while still at the
keyboard, that their passphrase opens their file, that the words' checksum holds and that the share is of this
vault's current set. It decides nothing: `sign_cold` (`open_cold_key`) checks every share again, and all of them
together, before the key exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.cold.review import DEFAULT_NATIVE, ColdReview, review_cold_request
from wallet_app.cold.store import STATE_RETIRED, ColdStore
from wallet_app.offline.review import RequestRefused
from wallet_app.ur.eth_requests import DATA_TYPE_TYPED_TRANSACTION

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.cold.opening import EnteredShare
    from wallet_app.cold.store import ColdVault, Holder
    from wallet_app.offline.signer import OfflineSigner
    from wallet_app.offline.transport import ReadRequest
    from wallet_app.profiles import Profile


def cold_store(profile: Profile, audit: AuditLog | None = None) -> ColdStore:
    """The profile's cold vaults, recording its ceremonies in `audit` (the profile's audit log by default)."""
    from wallet_app.audit.profile_log import build_audit_log

    return ColdStore(engine=profile.engine, chain_id=profile.config.chain_id,
                     audit=audit if audit is not None else build_audit_log(profile))


def native_coin(profile: Profile) -> tuple[str, int]:
    """The chain's coin (symbol, decimals), to show a transfer's value and fee cap."""
    return profile.preset.native_symbol, profile.preset.native_decimals


def is_cold_request(read: ReadRequest) -> bool:
    """A typed transaction (ERC-4527 data type 4): only a cold vault signs one here; a Safe request is typed data."""
    return read.sign_request.data_type == DATA_TYPE_TYPED_TRANSACTION


def review_on_signer(read: ReadRequest, *, signer: OfflineSigner, store: ColdStore,
                     native: tuple[str, int] = DEFAULT_NATIVE) -> ColdReview:
    """The review of a cold vault's request, decided now (the signer's clock) under the policy in force on this
    signer, its own denylist file and its signature journal. RequestRefused when no policy is in force or the request
    cannot even be shown."""
    from wallet_app.policy.document import read_denylist
    from wallet_app.policy.governance import PolicyNotInForce

    now = signer.clock()
    try:
        policy = signer.policy.active(now)
    except PolicyNotInForce as exc:
        raise RequestRefused("No policy is in force on this signer, so nothing can be checked or signed: "
                             f"{exc.user_message} (import the policy bundle: custos policy import FILE)") from None
    return review_cold_request(read, chain_id=signer.chain_id, store=store, policy=policy,
                               denylist=read_denylist(signer.policy_dir, policy.document), journal=signer.journal,
                               now=now, native=native)


def identify_share(vault: ColdVault, share: EnteredShare, *, min_scrypt_n: int | None = None) -> Holder:
    """Who holds `share` in the vault's current share set; ShareError or ShareFileError (a wrong passphrase, an altered
    file, a mistyped word, a share of another vault or set) say why it cannot be used. An encrypted share is decrypted
    (scrypt): run this off the GUI thread. `min_scrypt_n` lowers the files' scrypt floor, for tests only."""
    from wallet_app.cold.opening import EncryptedShare
    from wallet_app.cold.share_file import decrypt_share
    from wallet_app.cold.shares import ShareError, share_info

    name = share.source or "the share"
    if isinstance(share, EncryptedShare):
        meta, words = decrypt_share(share.data, share.passphrase, min_n=min_scrypt_n)
        if meta.vault != vault.address or meta.chain_id != vault.chain_id:
            raise ShareError(f"{name} holds a share of {meta.vault} on chain {meta.chain_id}, not of this cold vault "
                             f"{vault.address}")
    else:
        words = share.words
    try:
        info = share_info(words)
    except ShareError as exc:
        raise ShareError(f"{name}: {exc.user_message}") from None
    active = vault.active
    if info.identifier != active.identifier or info.group_count != 1:
        found = vault.share_set(info.identifier)
        which = ("a retired share set of this vault" if found is not None and found.state == STATE_RETIRED else
                 "the new share set of a reshare not confirmed yet" if found is not None else
                 "another share set than this vault's (another vault, or a split this signer never recorded)")
        raise ShareError(f"{name} belongs to {which}; the vault signs with shares of its current set "
                         f"{active.identifier}")
    holder = next((h for h in active.holders if h.member_index == info.index), None)
    if holder is None or info.threshold != active.threshold:
        raise ShareError(f"{name} does not match the share set {active.identifier} this signer recorded")
    return holder
