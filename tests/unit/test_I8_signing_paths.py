"""SECURITY I8, the bypass inventory: every way a key held by Custos can sign, read from the source with `ast`.

Each call of a signing method (the `Signer` protocol's, found in wallet_app/keys/signer.py, keystore_signer.py and
hsm.py) or of a raw signing primitive of the libraries under it (eth-keys, eth-account, PKCS#11), and each place a
`Signer` is obtained or built, anywhere in wallet_app/ and ui/, is in `SIGNING_SITES` with its reason. A new one
fails the inventory until it is listed here, which it may only be once it goes through the policy engine.

The paths SECURITY I8 names, one by one:
- typed-data API / raw-sign API: there is none. No command of `custos` and no action of the desktop signs a hash,
  message or typed data given by the user; the profile's keys sign exactly four kinds of digest, each built inside
  the signing function from recorded data: the EIP-712 "Custos Policy" vote on a policy change (policy propose,
  approve, reject), the EIP-191 token-review message (tokens approve), the EIP-191 message "Custos audit entry
  <entry hash>" of the audit entry those actions write (`wallet_app.audit.entry.entry_signer`), and the EIP-191
  personal_sign digest of an evidence pack's manifest.json, built by Custos from the profile's records
  (`custos evidence export`, `wallet_app.evidence.signing`). None can be a SafeTx hash: their prefixes and EIP-712
  domain and type hashes differ from Safe's, so equal digests would need a keccak-256 collision.
- QR offline signer (wallet_app/offline): `custos offline sign` and the offline signer window sign only a request
  reviewed on that machine: the SafeTx rebuilt from the typed data's fields and hashed there, decided by the policy
  engine under the policy imported from a signed bundle (`OfflineSigner.approve` checks it again just before the
  key is asked), journaled by `sign_safe_tx`; a Safe message only with the statement it vouches for shown in full
  (`sign_safe_message`). Pairing signs a fixed digest once to show the public key. An answer taken back online, and
  an approval signed elsewhere, only verify (`OfflineRequests.import_answer`, `PolicyService.submit_approval`).
- HSM direct call: `HsmSigner.sign_digest` and `_prove`, which signs 32 random bytes to prove a key object holds the
  address and drops the signature.
- Key export: the documented exception. `custos keys export` and the Keys page's "Export backup…" both go through
  `KeyService.export_backup`, which writes the key encrypted again (scrypt, same floor) and only after the key's
  password opened it: a wrong password writes nothing. No other code decrypts a keystore (`decrypt_keystore` is
  called from `KeyService._decrypt` only).
- The demo seeding (`custos demo init`) signs SafeTx hashes and EOA transactions with keys it generated for the demo
  institution on its embedded devnet, before the demo policy exists: the one place a SafeTx hash is signed without
  the policy engine. It is reachable only from the `demo init` command (asserted below).

Safe transactions are signed by `sign_safe_tx` only, called only by the queue's approval after the policy checker
decided on the queued transaction with that approval counted (SECURITY I8, A15, I7; asserted below). The proposer's
record is an EIP-191 message ("Custos proposal ..."), not a Safe signature.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from tests.unit.test_layering import REPO, imports, python_files
from wallet_app.cli import build_parser
from wallet_app.config import ProfileConfig
from wallet_app.domain import safe_tx as safe_tx_module
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.errors import WrongPassword
from wallet_app.holdings import token_approval
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.token_approval import APPROVAL_TITLE, build_approval_message, compute_eip191_digest
from wallet_app.keys.keystore import SCRYPT_MIN_N
from wallet_app.keys.os_keyring import OsKeyring
from wallet_app.keys.registry import KeyRegistry
from wallet_app.keys.service import KeyService
from wallet_app.policy import approval_typed_data
from wallet_app.policy.approval_typed_data import PolicyAction, PolicyVote, compute_vote_digest
from wallet_app.profiles import create_profile

I8 = ("every signing path must go through the policy engine (SECURITY I8): sign only a digest the policy checker "
      "decided on (PolicyChecker.check) or one of the listed non-transaction messages, then list the call site in "
      "SIGNING_SITES of tests/unit/test_I8_signing_paths.py with its reason")
SIGNER_MODULES = ("wallet_app/keys/signer.py", "wallet_app/keys/keystore_signer.py", "wallet_app/keys/hsm.py")
# What the libraries under the signers sign with (eth-keys, eth-account, coincurve, PKCS#11) and our own wrappers of
# them; `sign` (PKCS#11 `PrivateKey.sign`) and `signer` (KeyService.signer) count only as methods (`x.sign(...)`).
RAW_PRIMITIVES = frozenset({
    "sign_msg_hash", "sign_msg", "sign_msg_hash_non_recoverable", "sign_recoverable", "ecdsa_sign", "sign_hash",
    "unsafe_sign_hash", "signHash", "sign_message", "sign_typed_data", "sign_transaction", "_sign_raw",
    "sign_and_send", "sign",
})
SIGNER_SOURCES = frozenset({"signer", "KeystoreSigner", "HsmSigner", "open_hsm_signer"})
METHOD_ONLY = frozenset({"sign", "signer"})
# Where the digest argument of each digest-signing primitive is.
DIGEST_ARGUMENT = {"sign_digest": 0, "sign_msg_hash": 0, "unsafe_sign_hash": 0, "sign_hash": 0, "sign": 0,
                   "_sign_raw": 1}


@dataclass(frozen=True)
class Site:
    calls: frozenset[str]  # the signing methods, primitives and signer sources it calls
    digest: str | None  # where the signed digest comes from: the builder, "parameter" (a signer), None (no digest)
    reason: str


def site(calls: str, digest: str | None, reason: str) -> Site:
    return Site(frozenset(calls.split()), digest, reason)


# (module, function) -> what it calls and why that is acceptable. Nested functions are dotted; lambdas belong to the
# function they are written in.
SIGNING_SITES: dict[tuple[str, str], Site] = {
    ("wallet_app.keys.keystore_signer", "KeystoreSigner.sign_digest"): site(
        "sign_msg_hash", "parameter", "the keystore signer itself; its callers are the entries below"),
    ("wallet_app.keys.hsm", "HsmSigner.sign_digest"): site(
        "_sign_raw", "parameter", "the HSM signer itself; its callers are the entries below"),
    ("wallet_app.keys.hsm", "_sign_raw"): site(
        "sign", "parameter", "the PKCS#11 C_Sign call, used by HsmSigner.sign_digest and _prove only"),
    ("wallet_app.keys.hsm", "_prove"): site(
        "_sign_raw", "os.urandom", "proves the key object holds the address: 32 random bytes, signature dropped"),
    ("wallet_app.keys.hsm", "open_hsm_signer"): site(
        "HsmSigner", None, "KeyService._open_signer's HSM branch: unlock with the PIN"),
    ("wallet_app.keys.service", "KeyService._open_signer"): site(
        "KeystoreSigner open_hsm_signer", None, "KeyService.unlock: the password or PIN opens the key"),
    ("wallet_app.policy.service", "_KeySession.sign_vote"): site(
        "signer sign_digest", "compute_vote_digest",
        "policy propose/approve/reject: the EIP-712 Custos Policy vote on a recorded policy digest"),
    ("wallet_app.policy.service", "_KeySession.sign_entry"): site(
        "signer", None, "the vote's audit entry, signed by the same key while it is still unlocked (entry_signer)"),
    ("wallet_app.audit.entry", "entry_signer"): site(
        "sign_digest", "compute_signing_digest",
        "audit log: the EIP-191 message 'Custos audit entry <entry hash>' of the entry a signing action writes"),
    ("wallet_app.policy.service", "_signer_sign"): site(
        "sign_digest", "compute_vote_digest", "the same vote with a signer opened by the caller (demo seeding)"),
    ("wallet_app.holdings.token_service", "TokenService.approve_token"): site(
        "signer sign_digest", "compute_eip191_digest",
        "token review: the EIP-191 message naming chain, token, standard, symbol and decimals"),
    ("wallet_app.demo.demo_policy", "install_demo_policy"): site(
        "KeystoreSigner", None, "demo seeding: the generated officers sign the demo policy through _signer_sign"),
    ("wallet_app.chain.sending", "sign_and_send"): site(
        "sign_transaction", None, "an EOA transaction from a key in memory: demo seeding only (asserted below)"),
    ("wallet_app.demo.deployer", "Deployer.deploy"): site(
        "sign_and_send", None, "demo seeding: deploys the demo contracts on the embedded devnet"),
    ("wallet_app.demo.deployer", "Deployer.send"): site(
        "sign_and_send", None, "demo seeding: mints and funds on the embedded devnet"),
    ("wallet_app.demo.institution", "_execute"): site(
        "unsafe_sign_hash sign_and_send", "compute_hashes",
        "demo seeding: executes the demo vaults' history with generated keys before any policy exists"),
}
SIGNING_SITES.update({  # the one SafeTx signer (wallet_app/safe/signing.py); see test_nothing_signs_a_safe_tx_yet
    ("wallet_app.safe.signing", "sign_safe_tx"): site(
        "signer sign_digest", "compute_hashes",
        "signs the safeTxHash it recomputes from the raw fields (A7), journaled before release (SC-7, A11); "
        "the approval queue must call it only with a transaction the policy checker decided on"),
})

SIGNING_SITES.update({  # the approval queue (wallet_app/queue/)
    ("wallet_app.queue.service", "QueueService.propose_with"): site(
        "sign_digest", "proposal_digest",
        "queue propose: the EIP-191 proposal record naming chain, vault, nonce and the safeTxHash the policy "
        "checker decided on (prefix 'Custos proposal'); not a Safe signature"),
    ("wallet_app.queue.service", "QueueService.unlocked"): site(
        "signer", None, "queue propose/approve/reject/execute: the officer's or executor's key, unlocked with its "
        "password for one action"),
    ("wallet_app.queue.message_service", "MessageQueue.propose_with"): site(
        "sign_digest", "message_proposal_digest",
        "queue a Safe message: the EIP-191 record naming chain, vault and SafeMessage hash (prefix 'Custos message "
        "proposal'); not a Safe signature; the policy decided who may ask (wallet_app.proofs.signed_statement)"),
})

SIGNING_SITES.update({  # Safe messages and offline signing (wallet_app/safe/signing.py, wallet_app/offline/)
    ("wallet_app.safe.signing", "sign_safe_message"): site(
        "sign_digest", "safe_message_hash",
        "a vault's owner vouches for a holding statement: the SafeMessage hash recomputed from the statement's "
        "digest (every field shown in words by the caller), journaled first; it moves no asset (no nonce)"),
    ("wallet_app.offline.signer", "OfflineSigner.approve"): site(
        "signer", None, "offline sign: the key named by a request reviewed on this machine, unlocked with its "
        "password for one signature through sign_safe_tx or sign_safe_message after OfflineSigner.check"),
    ("wallet_app.offline.signer", "OfflineSigner.account_ur"): site(
        "signer", None, "offline account: the key, unlocked with its password, signs the pairing digest once"),
    ("wallet_app.offline.pairing", "account_ur"): site(
        "sign_digest", "pairing_digest",
        "pairing: keccak of a fixed text, signed once to recover and show the key's public key (crypto-hdkey)"),
})

SIGNING_SITES.update({  # a cold vault's ceremony on the offline signer (wallet_app/cold/signing.py)
    ("wallet_app.cold.signing", "sign_cold"): site(
        "sign_msg_hash", "tx.signing_hash",
        "cold sign: the signing hash of the EIP-1559 transaction parsed again from the request's own bytes, reviewed "
        "on this machine first (review_cold_request: the policy imported here decided on it, the approvers' EIP-712 "
        "approvals verified against its [[vaults]] entry) and confirmed by the officers; journaled before the key "
        "rebuilt from K shares signs it, the key wiped after"),
})

SIGNING_SITES.update({  # account vaults' queue on the online desktop (wallet_app/account_vaults/service.py)
    ("wallet_app.account_vaults.service", "AccountVaultQueue.propose_with"): site(
        "sign_digest", "proposal_digest",
        "account-vault propose: the EIP-191 proposal record naming chain, vault, nonce and the signing hash of the "
        "EIP-1559 transaction the policy checker decided on (check_account); not the transaction itself"),
    ("wallet_app.account_vaults.service", "AccountVaultQueue.approve_with"): site(
        "sign_digest", "approval.digest",
        "account-vault approve: the EIP-712 AccountVaultApproval of the stored transaction's recomputed signing hash, "
        "nonce and the policy digest, after the policy decided on it with this approval counted; journaled first; "
        "an approval, never a transaction signature (only the cold ceremony's K shares sign that)"),
})

SIGNING_SITES.update({  # the demo's queue (wallet_app/demo/demo_queue.py)
    ("wallet_app.demo.demo_queue", "_signer"): site(
        "KeystoreSigner", None, "demo seeding: Dana and the officers propose and approve the demo's queue items "
        "through QueueService (policy checked, journaled) with the demo's generated keys"),
})

SIGNING_SITES.update({  # executing a queued item (wallet_app/queue/exec_tx.py): an EOA transaction, not a SafeTx
    ("wallet_app.queue.exec_tx", "sign_exec_transaction"): site(
        "sign_digest", "TypedTransaction.from_dict(fields).hash",
        "queue execute: the EIP-1559 transaction calling the vault's execTransaction with the stored SafeTx and its "
        "verified signatures, signed only after the policy checker decided on it at execution (A15; Executor), or "
        "a same-intent fee replacement of stored bytes (to/value/data/nonce unchanged) after a new decision"),
})

SIGNING_SITES.update({  # deploying a vault (wallet_app/vaults/deploy.py): an EOA transaction, not a SafeTx
    ("wallet_app.vaults.deploy", "sign_eip1559"): site(
        "sign_digest", "TypedTransaction.from_dict(fields).hash",
        "safe deploy: the EIP-1559 transaction calling createProxyWithNonce on the pinned canonical SafeProxyFactory "
        "(value 0), its call data built from checked owners and threshold; moves no asset of any vault"),
    ("wallet_app.vaults.service", "VaultService.deploy_safe"): site(
        "signer", None, "safe deploy: the sender key, unlocked with its password for this one transaction"),
    ("wallet_app.demo.institution", "_deploy_safe_contracts"): site(
        "sign_and_send", None, "demo seeding: the Safe 1.4.1 contracts through the devnet's Safe singleton factory"),
})
SIGNING_SITES.update({  # the demo's compliance desk (wallet_app/demo/demo_compliance.py)
    ("wallet_app.demo.demo_compliance", "seed_demo_compliance"): site(
        "sign_message", None, "demo seeding: a generated demo investor's key (never a profile key) answers the "
                              "ownership challenge Custos issued for its address (EIP-191, not a transaction)"),
})
SIGNING_SITES.update({  # the evidence pack for inspectors (wallet_app/evidence/signing.py)
    ("wallet_app.evidence.signing", "unlocked_signer"): site(
        "signer", None, "evidence export: the exporting officer's key, unlocked with its password for one export"),
    ("wallet_app.evidence.signing", "sign_manifest"): site(
        "sign_digest", "compute_manifest_digest",
        "evidence export: the EIP-191 personal_sign digest of the manifest.json bytes Custos built from the "
        "profile's records (JSON opening with '{', never a SafeTx hash: prefix '\\x19E'), journaled first; it moves "
        "no asset"),
})
DEMO_ONLY_MODULES = ("wallet_app.chain.sending", "wallet_app.demo.deployer", "wallet_app.demo.institution")


# -- reading the source -------------------------------------------------------------------------------------------

@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def signer_methods() -> frozenset[str]:
    """The signing methods of the signer classes (the `Signer` protocol, the keystore and HSM signers)."""
    names: set[str] = set()
    for relative in SIGNER_MODULES:
        tree = parsed(REPO / relative)
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            names.update(f.name for f in cls.body if isinstance(f, ast.FunctionDef) and "sign" in f.name.lower()
                         and not f.name.startswith("__"))
    return frozenset(names)


WATCHED = signer_methods() | RAW_PRIMITIVES | SIGNER_SOURCES


@dataclass(frozen=True)
class Found:
    module: str
    function: str  # dotted names of the enclosing classes and functions; "<module>" at the top level
    name: str  # what is called
    line: int
    digest_origin: str | None  # for a digest-signing primitive: where its digest argument comes from

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line} {self.function} calls {self.name}"


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        if func.id == "getattr" and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant) \
                and isinstance(call.args[1].value, str):
            return call.args[1].value  # getattr(signer, "sign_digest")(...)
        return None if func.id in METHOD_ONLY else func.id
    return None


Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def origin(expr: ast.expr, scope: Scope | None) -> str:
    """Where a value comes from: the function whose call made it, "parameter", or "unknown"."""
    if isinstance(expr, ast.Call):
        return ast.unparse(expr.func)
    if isinstance(expr, ast.Attribute):  # compute_hashes(tx).safe_tx_hash
        return origin(expr.value, scope)
    if isinstance(expr, ast.Name) and scope is not None:
        arguments = scope.args
        parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        if expr.id in parameters:
            return "parameter"
        assigned = [n.value for n in ast.walk(scope) if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == expr.id for t in n.targets)]
        if len(assigned) == 1:
            return origin(assigned[0], scope)
    return "unknown"


def find_calls(path: Path, wanted: frozenset[str]) -> Iterator[Found]:
    """Every call in the module at `path` of a name in `wanted`, with the function it is in."""
    module = module_name(path)
    tree = parsed(path)

    def visit(node: ast.AST, names: tuple[str, ...], scope: Scope | None) -> Iterator[Found]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from visit(child, (*names, child.name), child)
                continue
            if isinstance(child, ast.ClassDef):
                yield from visit(child, (*names, child.name), None)
                continue
            if isinstance(child, ast.Call):
                name = called_name(child)
                if name is not None and name in wanted:
                    index = DIGEST_ARGUMENT.get(name)
                    digest = origin(child.args[index], scope) if index is not None and len(child.args) > index \
                        else None
                    yield Found(module, ".".join(names) or "<module>", name, child.lineno, digest)
            yield from visit(child, names, child if isinstance(child, ast.Lambda) else scope)

    yield from visit(tree, (), None)


def calls_of(wanted: frozenset[str]) -> list[Found]:
    return [found for package in ("wallet_app", "ui") for path in python_files(package)
            for found in find_calls(path, wanted)]


def inventory() -> list[Found]:
    return calls_of(WATCHED)


# -- the inventory ------------------------------------------------------------------------------------------------

def test_the_signer_classes_sign_through_sign_digest_only() -> None:
    assert signer_methods() == {"sign_digest"}, (
        f"the signers have new signing methods {sorted(signer_methods() - {'sign_digest'})}: they are watched from "
        f"now on; {I8}")


def test_every_signing_call_site_is_listed() -> None:
    found = inventory()
    unlisted = [f.where for f in found if (f.module, f.function) not in SIGNING_SITES]
    assert not unlisted, f"signing call sites not in the I8 inventory: {unlisted}; {I8}"
    for key, expected in SIGNING_SITES.items():
        calls = {f.name for f in found if (f.module, f.function) == key}
        assert calls, f"{key} no longer signs: remove it from SIGNING_SITES"
        assert calls == expected.calls, (f"{'.'.join(key)} now calls {sorted(calls)}, listed as "
                                         f"{sorted(expected.calls)}; {I8}")
        assert expected.reason and "\n" not in expected.reason


def test_every_signed_digest_comes_from_its_listed_builder() -> None:
    """Nothing signs a digest handed in by a caller: each one is built in the signing function itself (the signer
    implementations excepted, whose callers are what this checks)."""
    for found in inventory():
        listed = SIGNING_SITES.get((found.module, found.function))
        if listed is None or found.digest_origin is None:
            continue  # an unlisted site fails test_every_signing_call_site_is_listed
        expected = listed.digest
        assert found.digest_origin == expected, (
            f"{found.where} signs a digest from {found.digest_origin}, listed as {expected}; {I8}")
    parameter_sites = {k for k, s in SIGNING_SITES.items() if s.digest == "parameter"}
    assert {m for m, _f in parameter_sites} == {"wallet_app.keys.keystore_signer", "wallet_app.keys.hsm"}


def test_the_ui_never_signs_nor_holds_a_signer() -> None:
    """The desktop signs only through the core's services (policy votes, token review), which build their digest."""
    assert not [f.where for f in inventory() if f.module.startswith("ui.")]
    assert not [m for m, _f in SIGNING_SITES if m.startswith("ui.")]
    protocol = parsed(REPO / "ui" / "key_service.py")
    methods = {f.name for cls in ast.walk(protocol) if isinstance(cls, ast.ClassDef) for f in cls.body
               if isinstance(f, ast.FunctionDef)}
    assert "unlock" in methods and not methods & (WATCHED | {"export_private_key", "private_key"})


def test_signing_methods_are_defined_by_the_signers_only() -> None:
    methods = signer_methods()
    defined = [f"{module_name(path)}:{node.lineno} {node.name}"
               for package in ("wallet_app", "ui") for path in python_files(package)
               if str(path.relative_to(REPO)) not in SIGNER_MODULES
               for node in ast.walk(parsed(path))
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in methods]
    assert not defined, f"a new signer outside wallet_app/keys: {defined}; {I8}"


def test_the_demo_signing_paths_are_reachable_from_demo_init_only() -> None:
    importers: dict[str, set[str]] = {}
    for package in ("wallet_app", "ui"):
        for path in python_files(package):
            for module, _line, _top in imports(path):
                importers.setdefault(module, set()).add(module_name(path))
    for demo_module in DEMO_ONLY_MODULES:
        outside = {m for imported, who in importers.items() if imported == demo_module or
                   imported.startswith(demo_module + ".") for m in who if not m.startswith("wallet_app.demo")}
        assert not outside, f"{demo_module} signs with raw keys for the demo seeding only, but {outside} import it"
    into_demo = {m for imported, who in importers.items() if imported.startswith("wallet_app.demo")
                 for m in who if not m.startswith("wallet_app.demo")}
    assert into_demo == {"wallet_app.cli.demo"}
    cli = parsed(REPO / "wallet_app" / "cli" / "demo.py")
    users = {f.name for f in ast.walk(cli) if isinstance(f, ast.FunctionDef)
             and any(isinstance(i, ast.ImportFrom) and (i.module or "").startswith("wallet_app.demo")
                     for i in ast.walk(f))}
    assert users == {"_demo_init"}


# -- what the listed digests can be -------------------------------------------------------------------------------

VAULT = from_bytes(keccak(b"governance vault")[-20:])
TOKEN = from_bytes(keccak(b"token")[-20:])
CHAIN_ID = 1770177
DESK = ProfileConfig(name="desk", network="hashkey", chain_id=177)  # no node is ever asked


def record_keccak(monkeypatch: pytest.MonkeyPatch, module: object) -> dict[bytes, bytes]:
    """digest -> preimage of every keccak the module computes from now on."""
    seen: dict[bytes, bytes] = {}

    def recording(data: bytes | bytearray) -> bytes:
        out: bytes = keccak(data)
        seen[out] = bytes(data)
        return out

    monkeypatch.setattr(module, "keccak", recording)
    return seen


@pytest.mark.parametrize("version", ["1.1.1", "1.3.0", "1.4.1"])
@pytest.mark.parametrize("action", list(PolicyAction))
def test_a_policy_vote_is_never_a_safe_tx_hash(monkeypatch: pytest.MonkeyPatch, version: str,
                                               action: PolicyAction) -> None:
    safe_seen = record_keccak(monkeypatch, safe_tx_module)
    vote_seen = record_keccak(monkeypatch, approval_typed_data)
    tx = SafeTx(safe=VAULT, chain_id=CHAIN_ID, version=version, to=TOKEN, value=0, data=b"\x12" * 68,
                operation=Operation.CALL, nonce=7)
    safe_tx_hash = compute_hashes(tx).safe_tx_hash
    vote = PolicyVote(action, CHAIN_ID, VAULT, keccak(b"policy text"), 2, keccak(b"previous"), 1_772_442_000)
    digest = compute_vote_digest(vote)
    assert digest != safe_tx_hash
    safe_preimage, vote_preimage = safe_seen[safe_tx_hash], vote_seen[digest]
    # Both are EIP-712 ("\x19\x01" || domain separator || struct hash), so they differ in the domain and the type:
    assert safe_preimage[:2] == vote_preimage[:2] == b"\x19\x01" and len(safe_preimage) == len(vote_preimage) == 66
    safe_domain, vote_domain = safe_seen[safe_preimage[2:34]], vote_seen[vote_preimage[2:34]]
    safe_domain_types = {safe_tx_module.DOMAIN_TYPEHASH, safe_tx_module.LEGACY_DOMAIN_TYPEHASH}
    assert safe_domain[:32] in safe_domain_types and len(safe_domain) in (64, 96)
    assert vote_domain[:32] == approval_typed_data.DOMAIN_TYPEHASH not in safe_domain_types
    assert len(vote_domain) == 160  # name, version, chain id, vault: a preimage no Safe domain has
    safe_struct, vote_struct = safe_seen[safe_preimage[34:]], vote_seen[vote_preimage[34:]]
    assert safe_struct[:32] == safe_tx_module.SAFE_TX_TYPEHASH != vote_struct[:32] == action.typehash
    assert vote_preimage != safe_preimage  # equal digests would take a keccak-256 collision


def test_a_token_review_message_is_never_a_safe_tx_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = record_keccak(monkeypatch, token_approval)
    # A token names itself: even a symbol made of SafeTx hash bytes stays inside the EIP-191 text.
    hostile = "\x19\x01" + compute_hashes(SafeTx(safe=VAULT, chain_id=CHAIN_ID, version="1.4.1", to=TOKEN, value=0,
                                                 data=b"", operation=Operation.CALL, nonce=0)).safe_tx_hash.hex()
    token = TokenEntry(TOKEN, Standard.ERC20, hostile, "Harbour HKD", 6)
    message = build_approval_message(CHAIN_ID, token)
    digest = compute_eip191_digest(message)
    preimage = seen[digest]
    assert preimage.startswith(token_approval.EIP191_PREFIX)  # "\x19Ethereum Signed Message:\n", never "\x19\x01"
    assert preimage[:2] == b"\x19E"  # a SafeTx hash is keccak of "\x19\x01" || domain || struct: 66 bytes
    length = str(len(message.encode("utf-8"))).encode("ascii")
    assert preimage[len(token_approval.EIP191_PREFIX):].startswith(length + APPROVAL_TITLE.encode("utf-8"))


# -- no command or action signs what it is given ------------------------------------------------------------------

SIGNING_WORD = re.compile(r"sign|personal|typed", re.IGNORECASE)  # sign, sign-hash, eth-sign, sign-typed-data…
SECRET_OPTION = re.compile(r"password|pin|secret|passphrase", re.IGNORECASE)
RAW_INPUT = re.compile(r"hash|message|typed|payload|raw|hex|data|digest", re.IGNORECASE)
# Commands that take a key's password or PIN, and what they do with it.
SECRET_COMMANDS: dict[tuple[str, ...], str] = {
    ("keys", "create"): "encrypts a new key; signs nothing",
    ("keys", "import"): "encrypts an imported key; signs nothing",
    ("keys", "export"): "key export, the documented exception: an encrypted backup, only behind the password",
    ("keys", "delete"): "--pin-file destroys an HSM key inside its token; signs nothing",
    ("keys", "hsm", "add"): "reads the HSM key's address; _prove signs 32 random bytes",
    ("tokens", "approve"): "signs the EIP-191 token-review message built from the registry",
    ("policy", "propose"): "signs the Custos Policy vote for the proposed file's digest",
    ("policy", "approve"): "signs the Custos Policy vote for a recorded draft (DIGEST names it)",
    ("policy", "reject"): "signs the Custos Policy rejection of a recorded draft (DIGEST names it)",
    ("evidence", "export"): "signs the EIP-191 digest of the evidence pack's manifest, built here from the profile's "
                            "records of the period; takes no hash or message",
    ("statement",): "with --sign-by, signs the EIP-191 record queueing the statement's typed data, built here from "
                    "the proven holdings, for the vault's owners (the policy's [statements] decides who may ask); "
                    "takes no hash or message",
    ("safe", "deploy"): "signs one EOA transaction to the pinned SafeProxyFactory (value 0), built from --owner and "
                        "--threshold; takes no hash or message",
    # The approval queue (wallet_app/cli/safe_queue.py), each through QueueService: the policy decides first.
    ("travel-rule", "attach"): "signs only the audit entry of the Travel Rule record it attaches (EIP-191 'Custos "
                               "audit entry <hash>'), after checking the record against the queued transfer",
    ("safe", "propose"): "signs the Custos proposal record of the transfer it builds from --asset/--amount/--to, "
                         "after the policy checker decided on it",
    ("safe", "approve"): "signs the safeTxHash recomputed from the queued item's stored fields, after the policy "
                         "decided on it with this approval (SAFE_TX_HASH names a queued item)",
    ("account-vault", "propose"): "signs the Custos proposal record of the account vault's transfer it builds from "
                                  "--asset/--amount/--to, after the policy checker decided on it",
    ("account-vault", "approve"): "signs the EIP-712 approval of the stored transfer's recomputed signing hash, after "
                                  "the policy decided on it with this approval (HASH names a queued item)",
    ("safe", "reject"): "queues the rejection at the queued item's nonce (its proposal record) and approves it as "
                        "safe approve does",
    ("safe", "execute"): "signs the EOA transaction calling execTransaction with the queued item's verified "
                         "signatures, after the policy decided on it at execution",
    ("offline", "sign"): "signs the safeTxHash (or SafeMessage hash) it recomputes from the request's fields, after "
                         "the policy imported on this offline signer decided on it and the officer confirmed that "
                         "hash (--confirm or typed); takes no hash to sign",
    ("offline", "account"): "signs a fixed pairing digest once to show the key's public key as a crypto-hdkey UR",
    ("safe", "import"): "signs the Custos proposal record of the transaction read from FILE (its fields checked, a "
                        "stated safeTxHash compared), after the policy checker decided on it, as safe propose does; "
                        "the file's signatures are only verified",
    # Cold vaults on an offline signer (wallet_app/cli/cold.py): share passphrases, never a key's password.
    ("cold", "create"): "--passphrase-file encrypts each holder's new share file; the key is generated, split and "
                        "wiped, and signs nothing",
    ("cold", "reshare"): "--old-passphrase-file opens the shares that rebuild the key in memory and --passphrase-file "
                         "encrypts the new shares; signs nothing",
    ("cold", "confirm"): "--passphrase-file opens the new set's shares, which must rebuild the vault's key; signs "
                         "nothing",
    ("cold", "sweep"): "online: signs the Custos proposal record of each transfer it builds from what the old vault "
                       "holds, after the policy checker decided on it, as account-vault propose does",
    ("cold", "sign"): "--passphrase-file opens the officers' shares, which rebuild the cold vault's key to sign the "
                      "signing hash it recomputes from the request's transaction, after the policy imported on this "
                      "offline signer decided on it, the approvals verified and the officers confirmed that hash "
                      "(--confirm or typed); takes no hash to sign",
}
RECORDED_DIGEST = {("policy", "approve"), ("policy", "reject")}  # their DIGEST names a recorded draft
# Their SAFE_TX_HASH names a queued item; what is signed is recomputed from its stored fields, never taken as given.
RECORDED_SAFE_TX = {("safe", "approve"), ("safe", "reject"), ("safe", "execute"), ("travel-rule", "attach")}
# Their HASH names a queued account-vault transfer; the approval is of the signing hash recomputed from its bytes.
RECORDED_ACCOUNT_TX = {("account-vault", "approve")}
# Commands whose name says "signature" but that take no key or secret and sign nothing.
NAMED_FOR_SIGNATURES = {
    ("offline", "sign"): "the command the issue names: it signs a request reviewed on this machine (see "
                         "SECRET_COMMANDS); it takes a request file, never a hash or message to sign",
    ("safe", "import-signature"): "stores a co-signer's signature made elsewhere, after verifying it against the "
                                  "vault's owners; signs nothing",
    ("cold", "sign"): "the cold vault's signing ceremony: it signs a request reviewed on this machine (see "
                      "SECRET_COMMANDS); it takes a request file and shares, never a hash or message to sign",
}


def command_tree(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from command_tree(sub, (*path, name))


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {a.dest for a in parser._actions
            if not isinstance(a, (argparse._SubParsersAction, argparse._HelpAction, argparse._VersionAction))}


def test_no_command_signs_a_hash_or_message() -> None:
    tree = dict(command_tree(build_parser()))
    assert ("policy", "check") in tree and ("keys", "export") in tree  # the tree is the real one
    named_sign = [" ".join(path) for path in tree if any(SIGNING_WORD.search(part) for part in path)
                  and path not in NAMED_FOR_SIGNATURES]
    assert not named_sign, f"commands named for signing: {named_sign}; {I8}"
    with_secret = {path for path, parser in tree.items() if any(SECRET_OPTION.search(d) for d in options(parser))}
    assert with_secret == set(SECRET_COMMANDS), (
        f"commands that take a password or PIN changed: new {sorted(with_secret - set(SECRET_COMMANDS))}, gone "
        f"{sorted(set(SECRET_COMMANDS) - with_secret)}; {I8}")
    for path in with_secret:
        raw = {d for d in options(tree[path]) if RAW_INPUT.search(d)}
        named = {"digest"} if path in RECORDED_DIGEST else {"safe_tx_hash"} if path in RECORDED_SAFE_TX else \
            {"tx_hash"} if path in RECORDED_ACCOUNT_TX else set()
        assert raw == named, (
            f"custos {' '.join(path)} takes a key's secret and {sorted(raw)}: {I8}")


def test_policy_approve_signs_nothing_for_a_digest_that_is_not_a_recorded_policy(tmp_path: Path) -> None:
    """`custos policy approve DIGEST` with a SafeTx hash: refused before any key is unlocked."""
    from wallet_app.errors import WalletError
    from wallet_app.keys.signer import KeyKind, Signer
    from wallet_app.keys.views import KeyView
    from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
    from wallet_app.policy.service import PolicyService
    from wallet_app.policy.service_setup import policy_file_path

    touched: list[str] = []

    class Keys:
        def load_keys(self) -> list[KeyView]:
            return [KeyView(VAULT, KeyKind.KEYSTORE, "officer", False, False, ())]

        def unlock(self, address: str, secret: str, *, remember: bool = False) -> None:
            touched.append("unlock")

        def signer(self, address: str) -> Signer:
            touched.append("signer")
            raise AssertionError("no signer may be opened")

        def lock(self, address: str) -> None:
            touched.append("lock")

    profile = create_profile(tmp_path, DESK)
    try:
        service = PolicyService(store=PolicyStore(engine=profile.engine, chain_id=CHAIN_ID),
                                load_owners=lambda vault: ((VAULT,), 1), chain_id=CHAIN_ID,
                                active_file=ActivePolicyFile(policy_file_path(profile.paths)),
                                keys=Keys())
        safe_tx_hash = "0x" + compute_hashes(SafeTx(safe=VAULT, chain_id=CHAIN_ID, version="1.4.1", to=TOKEN,
                                                    value=0, data=b"", operation=Operation.CALL,
                                                    nonce=0)).safe_tx_hash.hex()
        for act in (service.approve, service.reject):
            with pytest.raises(WalletError, match="No policy with digest"):
                act(safe_tx_hash, VAULT, "any password")
        assert touched == []
    finally:
        profile.close()


UI_SIGNING_TEXT = re.compile(
    r"personal_sign|eth_sign|signtypeddata|\bsign\b[ _](a |an |any |this |the )?(message|hash|raw|typed|text|bytes|"
    r"data|anything)", re.IGNORECASE)


def test_no_ui_action_offers_to_sign_a_hash_or_message() -> None:
    offers = [f"{module_name(path)}:{node.lineno} {node.value!r}" for path in python_files("ui")
              for node in ast.walk(parsed(path))
              if isinstance(node, ast.Constant) and isinstance(node.value, str) and UI_SIGNING_TEXT.search(node.value)]
    assert not offers, f"the desktop offers to sign arbitrary data: {offers}; {I8}"


# -- key export: the documented exception ---------------------------------------------------------------------------

def test_key_export_is_an_encrypted_backup_behind_the_password(tmp_path: Path) -> None:
    tree = dict(command_tree(build_parser()))
    password_file = next(a for a in tree[("keys", "export")]._actions if a.dest == "password_file")
    assert password_file.required
    callers = {(f.module, f.function) for f in calls_of(frozenset({"export_backup"}))}
    assert callers == {("wallet_app.cli.keys", "_keys_export"), ("ui.dialogs.key_action_dialogs",
                                                            "ExportBackupDialog.make_command")}
    assert {(f.module, f.function) for f in calls_of(frozenset({"decrypt_keystore"}))} == {("wallet_app.keys.service",
                                                                                "KeyService._decrypt")}
    profile = create_profile(tmp_path / "home", DESK)
    waits: list[float] = []
    try:
        keys = KeyService(registry=KeyRegistry(engine=profile.engine), keystore_dir=profile.paths.keystores,
                          os_keyring=OsKeyring(service="custos-test-i8"), load_vaults=list,
                          allow_quorum_on_device=False, idle_timeout_seconds=60, unlock_factors=1,
                          sleep=waits.append)
        secret_key = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
        view = keys.import_private_key("0x" + secret_key, "Officer", "correct horse battery")
        out = tmp_path / "backup.json"
        with pytest.raises(WrongPassword):
            keys.export_backup(view.address, out, "not the password")
        assert not out.exists()
        keys.export_backup(view.address, out, "correct horse battery")
        text = out.read_text(encoding="utf-8")
        backup = json.loads(text)
        assert secret_key not in text.lower() and backup["crypto"]["kdf"] == "scrypt"
        assert backup["crypto"]["kdfparams"]["n"] >= SCRYPT_MIN_N and backup["crypto"]["ciphertext"]
    finally:
        profile.close()


SAFE_TX_SIGNERS = {"wallet_app/queue/service.py": {"QueueService.approve_with"},
                   "wallet_app/offline/signer.py": {"OfflineSigner.approve"}}


def test_a_safe_tx_is_signed_only_after_the_policy_checker_decided_on_it() -> None:
    """sign_safe_tx has one caller, the queue's approval, and it asks the policy checker (with this approval
    counted) before it signs, in the same function and earlier in it (SECURITY I8, issue 6 part 5)."""
    callers: dict[str, set[str]] = {}
    for folder in ("wallet_app", "ui"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "signing.py" and path.parent.name == "safe":
                continue
            tree = parsed(path)
            for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
                calls = [c for c in ast.walk(function) if isinstance(c, ast.Call)]
                signs = [c for c in calls if called_name(c) == "sign_safe_tx"]
                if not signs:
                    continue
                owner = next((c.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and function in c.body),
                             None)
                name = f"{owner}.{function.name}" if owner else function.name
                callers.setdefault(str(path.relative_to(REPO)), set()).add(name)
                checks = [c.lineno for c in calls if called_name(c) in ("_check_policy", "check")]
                assert checks and min(checks) < min(c.lineno for c in signs), (
                    f"{path.name}:{name} signs a SafeTx without deciding it with the policy checker first; {I8}")
    assert callers == SAFE_TX_SIGNERS, f"sign_safe_tx is called from {callers}; {I8}"
