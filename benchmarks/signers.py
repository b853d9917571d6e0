"""Signing throughput of Custos's signers against raw eth-account, and the unlock time of a V3 scrypt keystore.

Measured in one run: (a) the SoftHSM2 signer (a temporary token of its own; every signature opens a session, logs in,
signs with CKM_ECDSA, logs out, then normalises and checks recovery); (b) a keystore-style signer, that is
`Account.unsafe_sign_hash` then `finalize_signature`, and the real `KeystoreSigner`; the peer for both is
`Account.unsafe_sign_hash` alone; (c) `Account.decrypt` of an `Account.encrypt` keystore at the default work factor.
Rates are the median of a few rounds. Needs SoftHSM2 (`make bench` installs it), not the keyring.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from eth_account import Account

from wallet_app.keys.hsm import generate_hsm_key, open_hsm_signer
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.registry import HsmLocation
from wallet_app.keys.signature import finalize_signature

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SIGNATURES = int(os.environ.get("BENCH_SIGNATURES", "400"))
UNLOCKS = int(os.environ.get("BENCH_UNLOCKS", "3"))
KEY = bytes.fromhex("4646464646464646464646464646464646464646464646464646464646464646")
ADDRESS = Account.from_key(KEY).address


def rate(sign: Callable[[bytes], object]) -> float:
    """Signatures per second, median of ROUNDS rounds of SIGNATURES fresh digests."""
    rates = []
    for _ in range(ROUNDS):
        digests = [os.urandom(32) for _ in range(SIGNATURES)]
        start = time.perf_counter()
        for digest in digests:
            sign(digest)
        rates.append(SIGNATURES / (time.perf_counter() - start))
    return statistics.median(rates)


def hsm_rate() -> float:
    util = shutil.which("softhsm2-util")
    if util is None or not Path(SOFTHSM_MODULE).is_file():
        raise SystemExit("SoftHSM2 is not installed: run `make bench`, which installs it")
    previous = os.environ.get("SOFTHSM2_CONF")
    with tempfile.TemporaryDirectory(prefix="custos-bench-softhsm-") as tmp:
        (Path(tmp) / "tokens").mkdir()
        config = Path(tmp) / "softhsm2.conf"
        config.write_text(f"directories.tokendir = {tmp}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(config)  # before the library is loaded (or re-initialised) here
        try:
            label, pin = f"bench-{os.getpid()}", "1234"
            subprocess.run([util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "5678"],
                           check=True, capture_output=True)
            location = HsmLocation(SOFTHSM_MODULE, label, "bench-key")
            with open_hsm_signer(location, pin, generate_hsm_key(location, pin)) as signer:
                return rate(signer.sign_digest)
        finally:
            if previous is None:
                os.environ.pop("SOFTHSM2_CONF", None)
            else:
                os.environ["SOFTHSM2_CONF"] = previous


def unlock_seconds() -> float:
    keystore = Account.encrypt(KEY, "bench password")  # default scrypt work factor
    times = []
    for _ in range(UNLOCKS):
        start = time.perf_counter()
        Account.decrypt(keystore, "bench password")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    raw = rate(lambda digest: Account.unsafe_sign_hash(digest, KEY))

    def keystore_style(digest: bytes) -> object:
        signed = Account.unsafe_sign_hash(digest, KEY)
        return finalize_signature(digest, signed.r, signed.s, ADDRESS)

    custos = rate(keystore_style)
    real_signer = KeystoreSigner(address=ADDRESS, private_key=KEY)
    real = rate(real_signer.sign_digest)
    real_signer.lock()
    hsm = hsm_rate()
    unlock = unlock_seconds()
    print(f"signatures per second, median of {ROUNDS} rounds of {SIGNATURES}:")
    print(f"  raw eth-account Account.unsafe_sign_hash    {raw:9.0f}")
    print(f"  Custos keystore-style (sign + finalize)     {custos:9.0f}   {raw / custos:5.2f}x slower than raw")
    print(f"  Custos KeystoreSigner.sign_digest           {real:9.0f}   {raw / real:5.2f}x slower than raw")
    print(f"  Custos HSM signer (SoftHSM2)                {hsm:9.0f}   {raw / hsm:5.2f}x slower than raw")
    print(f"keystore unlock (V3 scrypt, default work factor), median of {UNLOCKS}: {unlock:6.3f} s")


if __name__ == "__main__":
    main()
