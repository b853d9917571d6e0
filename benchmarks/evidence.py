"""Checking an evidence pack (issue 16) beside the least an inspector's own script would do.

Custos: `wallet_app.evidence.verify.verify_pack` on the pack's bytes: the zip read safely (names, sizes, links,
encryption), the manifest parsed strictly, its EIP-191 signature recovered, every listed file's size and SHA-256,
no unlisted file, the audit hash chain recomputed entry by entry, the heads, the policy digests, the documents'
recorded digests. Peer: a lean loop with the standard library and eth-account: open the zip, hash every listed file
and compare, recover the manifest's signer. The pack: a profile with DOCUMENTS issued statements of 20 KB and as
many audit entries, exported once by `custos evidence export`. Median of ROUNDS; the ratio is Custos over the peer.

Environment: BENCH_ROUNDS (default 5), BENCH_EVIDENCE_DOCUMENTS (default 200).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from eth_account import Account
from eth_account.messages import encode_defunct

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wallet_app.cli.program import main as custos  # noqa: E402
from wallet_app.compliance.issued import KIND_STATEMENT, IssuedDocuments  # noqa: E402
from wallet_app.config import ProfileConfig  # noqa: E402
from wallet_app.evidence.verify import verify_pack  # noqa: E402
from wallet_app.profile_keys import build_key_service  # noqa: E402
from wallet_app.profiles import create_profile  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
DOCUMENTS = int(os.environ.get("BENCH_EVIDENCE_DOCUMENTS", "200"))
KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
PASSWORD = "correct horse battery"


def make_pack(root: Path) -> bytes:
    profile = create_profile(root, ProfileConfig(name="desk", network="hashkey", chain_id=177))
    try:
        build_key_service(profile).import_private_key(KEY, "Officer", PASSWORD)
        documents = IssuedDocuments(profile.engine, 177)
        for n in range(DOCUMENTS):
            content = (f"asset,units\nHKDH,{n}\n" + "x" * 20_000).encode()
            documents.record(None, kind=KIND_STATEMENT, subject=f"statement {n}", file_name=f"statement-{n}.csv",
                             content=content, issued_by="ops")
            profile_audit(profile, n)
    finally:
        profile.close()
    (root / "pw").write_text(PASSWORD + "\n")
    today = datetime.now(UTC).date().isoformat()
    out = root / "pack.zip"
    with contextlib.redirect_stdout(io.StringIO()):
        code = custos(["--home", str(root), "--profile", "desk", "evidence", "export", "--from", today, "--to", today,
                       "--out", str(out), "--key", Account.from_key(KEY).address, "--password-file",
                       str(root / "pw")])
    assert code == 0
    return out.read_bytes()


def profile_audit(profile: object, n: int) -> None:
    from wallet_app.audit.profile_log import build_audit_log

    build_audit_log(profile).record(actor="operator", action="export", subject=f"statement {n}",  # type: ignore[arg-type]
                                    detail={"kind": "holding statement", "format": "csv", "file": f"statement-{n}.csv"})


def lean_check(pack: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        manifest = z.read("manifest.json")
        signature = z.read("manifest.sig").decode().strip()
        listed = json.loads(manifest)["files"]
        ok = all(hashlib.sha256(z.read(f["path"])).hexdigest() == f["sha256"] for f in listed)
    signer = Account.recover_message(encode_defunct(primitive=manifest), signature=signature)
    return ok and signer == json.loads(manifest)["exporter"]


def median_seconds(work: object) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        assert work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="custos-bench-evidence-") as folder:
        pack = make_pack(Path(folder))
    ours = median_seconds(lambda: verify_pack(pack).ok)
    peer = median_seconds(lambda: lean_check(pack))
    print(f"evidence verify ({len(pack):,} bytes, {DOCUMENTS} documents, {DOCUMENTS} audit entries): "
          f"custos {ours * 1000:.1f} ms, lean sha256 + recover loop {peer * 1000:.1f} ms, ratio {ours / peer:.1f}x")


if __name__ == "__main__":
    main()
