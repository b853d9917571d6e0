"""The cold ceremony's own cost: from the moment the last share is entered to the signed transaction, beside
eth-account signing the same transaction with the whole key.

Custos: `wallet_app.cold.signing.sign_cold` on a reviewed request (the review, made before any share is asked for,
is not timed): the K shares checked against the vault's share set, the key rebuilt in memory from them (SLIP-39,
shamir-mnemonic, whose passphrase layer runs PBKDF2), its address checked, the signing hash journaled, signed,
the key wiped, the audit entry written; with the shares typed as words (the ceremony as an officer runs it) and as
the officers' encrypted share files (each opened with scrypt at Custos's work factor, n = 2^18: the larger part).
Peer: eth-account's `Account.sign_transaction` of the same EIP-1559 transaction with the private key itself.
Median of ROUNDS rounds of REPEAT signatures each, each at a new nonce; the ratio is Custos's time over the peer's.

Environment: BENCH_ROUNDS (default 3), BENCH_COLD_REPEAT (default 5).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eth_account import Account

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the request builders are shared with the unit tests

from tests.unit.test_cold_signing import (  # noqa: E402
    ALICE,
    BEN,
    CARMEN,
    CHAIN_ID,
    GOVERNANCE,
    HOLDERS,
    KEYS,
    PASSPHRASES,
    T0,
    Signer,
    policy_text,
    request,
    transfer,
)
from wallet_app.audit.profile_log import build_audit_log  # noqa: E402
from wallet_app.cold.ceremony import ShareFileWriter, create_cold_vault  # noqa: E402
from wallet_app.cold.opening import EncryptedShare, EnteredShare, ShareWords  # noqa: E402
from wallet_app.cold.share_file import decrypt_share  # noqa: E402
from wallet_app.cold.signing import sign_cold  # noqa: E402
from wallet_app.cold.store import ColdStore  # noqa: E402
from wallet_app.config import ProfileConfig  # noqa: E402
from wallet_app.keys.keystore_signer import KeystoreSigner  # noqa: E402
from wallet_app.policy.service_setup import install_signed_policy  # noqa: E402
from wallet_app.profiles import create_profile  # noqa: E402
from wallet_app.safe.journal import SigningJournal  # noqa: E402
from wallet_app.vaults.anchors import AnchorStore, vault_facts  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REPEAT = int(os.environ.get("BENCH_COLD_REPEAT", "5"))


def make_signer(root: Path) -> tuple[Signer, bytes]:
    """An offline signer with a cold vault (2 of 3 share files at the real scrypt work factor) and a policy naming
    it; and, for the peer only, the vault's key as the shares rebuild it."""
    from wallet_app.cold.shares import join_shares

    profile = create_profile(root / "home", ProfileConfig(name="signer", network="devnet", chain_id=CHAIN_ID,
                                                          offline=True))
    store = ColdStore(engine=profile.engine, chain_id=CHAIN_ID, audit=build_audit_log(profile))
    (root / "shares").mkdir()
    vault = create_cold_vault(store, label="Cold Vault", threshold=2, holders=HOLDERS,
                              deliver=ShareFileWriter(root / "shares", PASSPHRASES)).vault
    anchors = AnchorStore(engine=profile.engine, chain_id=CHAIN_ID)
    anchors.anchor(vault_facts(CHAIN_ID, GOVERNANCE, "1.4.1", (ALICE, BEN, CARMEN), 2, "Governance"), how="typed")
    policy = install_signed_policy(profile, policy_text(vault.address),
                                   [KeystoreSigner(address=a, private_key=KEYS[a]) for a in (ALICE, BEN)],
                                   load_owners=anchors.owner_reader(), now=T0)
    signer = Signer(profile, store, vault, root / "shares", policy, SigningJournal(profile.engine))
    words = [decrypt_share(p.read_bytes(), PASSPHRASES[i])[1]
             for i, p in enumerate(sorted((root / "shares").glob("*.custos-share"))[:2])]
    return signer, bytes(join_shares(words, identifier=vault.active.identifier))


def ceremony_seconds(signer: Signer, shares: list[EnteredShare], first_nonce: int) -> float:
    audit = build_audit_log(signer.profile)
    spent = 0.0
    for nonce in range(first_nonce, first_nonce + REPEAT):
        read = request(signer, transfer(nonce=nonce))
        review = signer.review(read)  # before the shares are asked for: not timed
        start = time.perf_counter()
        sign_cold(review, shares, store=signer.store, journal=signer.journal, audit=audit,
                  confirmed_hash="0x" + review.signing_hash.hex())
        spent += time.perf_counter() - start
    return spent / REPEAT


def peer_seconds(key: bytes, first_nonce: int) -> float:
    start = time.perf_counter()
    for nonce in range(first_nonce, first_nonce + REPEAT):
        tx = transfer(nonce=nonce)
        Account.sign_transaction({"type": 2, "chainId": tx.chain_id, "nonce": tx.nonce, "to": tx.to,
                                  "value": tx.value, "data": tx.data, "gas": tx.gas,
                                  "maxFeePerGas": tx.max_fee_per_gas,
                                  "maxPriorityFeePerGas": tx.max_priority_fee_per_gas, "accessList": []}, key)
    return (time.perf_counter() - start) / REPEAT


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="custos-bench-cold-") as folder:
        signer, key = make_signer(Path(folder))
        try:
            files = sorted(signer.shares_dir.glob("*.custos-share"))
            typed: list[EnteredShare] = [ShareWords(decrypt_share(files[i].read_bytes(), PASSPHRASES[i])[1])
                                         for i in (0, 2)]
            encrypted: list[EnteredShare] = [EncryptedShare(files[i].read_bytes(), PASSPHRASES[i], files[i].name)
                                             for i in (0, 2)]
            words, filed, peer = [], [], []
            nonce = 10
            for _ in range(ROUNDS):
                words.append(ceremony_seconds(signer, typed, nonce))
                filed.append(ceremony_seconds(signer, encrypted, nonce + REPEAT))
                peer.append(peer_seconds(key, nonce))
                nonce += 2 * REPEAT
        finally:
            signer.profile.close()
    w, f, p = statistics.median(words), statistics.median(filed), statistics.median(peer)
    print(f"last share entered -> signed EIP-1559 transaction, median of {ROUNDS} rounds of {REPEAT} (2 of 3 shares):")
    print(f"  eth-account Account.sign_transaction, whole key      {p * 1000:9.2f} ms")
    print(f"  Custos cold ceremony, shares typed as words          {w * 1000:9.2f} ms   {w / p:8.0f}x the peer")
    print(f"  Custos cold ceremony, encrypted share files (scrypt) {f * 1000:9.2f} ms   {f / p:8.0f}x the peer")


if __name__ == "__main__":
    main()
