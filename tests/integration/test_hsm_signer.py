"""H6, C6, C8 on a real PKCS#11 token (SoftHSM2): keys made inside the token, raw r || s signatures normalised and bound
to the key's address, and a clear one-line error, without the PIN, for every way it can go wrong."""

from __future__ import annotations

import _ctypes
import os
import threading
from collections.abc import Callable, Iterator

import pkcs11
import pytest
from eth_keys.datatypes import Signature as EthKeysSignature
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.types import SignMixin
from pkcs11.util.ec import encode_named_curve_parameters

from tests.integration import softhsm
from tests.integration.softhsm import SoftHsmHome, SoftHsmToken
from wallet_app.errors import (
    HsmAmbiguousKey,
    HsmKeyExists,
    HsmKeyMissing,
    HsmModuleError,
    HsmPinLocked,
    HsmTokenMissing,
    HsmUnsupportedCurve,
    HsmWrongPin,
    KeyLocked,
    SignerMismatch,
    WalletError,
    WrongPassword,
)
from wallet_app.keys import hsm, hsm_session
from wallet_app.keys.hsm import HsmSigner, find_hsm_key, generate_hsm_key, open_hsm_signer
from wallet_app.keys.hsm_session import hsm_session as open_session
from wallet_app.keys.registry import HsmLocation
from wallet_app.keys.signature import HALF_N
from wallet_app.keys.signer import KeyKind, Signer

pytestmark = pytest.mark.integration

PIN = "Custos-PIN-730541"  # distinctive, so that finding it in a message cannot be chance
WRONG_PIN = "Wrong-PIN-246813"


@pytest.fixture(scope="module")
def home() -> Iterator[SoftHsmHome]:
    with softhsm.softhsm_home() as created:
        yield created


@pytest.fixture
def token(home: SoftHsmHome) -> Iterator[SoftHsmToken]:
    with softhsm.softhsm_token(home, pin=PIN) as created:
        yield created


def at(token: SoftHsmToken, key_label: str = "officer-1") -> HsmLocation:
    return HsmLocation(token.module, token.label, key_label)


def recovers_to(digest: bytes, r: int, s: int, v: int) -> str:
    signature = EthKeysSignature(vrs=(v - 27, r, s))
    return str(signature.recover_public_key_from_msg_hash(digest).to_checksum_address())


def raised(expected: type[WalletError], action: Callable[[], object]) -> WalletError:
    """The error `action` raises, checked to be one line and free of both PINs, down its whole cause chain."""
    with pytest.raises(expected) as info:
        action()
    error = info.value
    assert "\n" not in error.user_message
    link: BaseException | None = error
    while link is not None:
        for text in (str(link), repr(link), getattr(link, "user_message", ""), getattr(link, "detail", None) or ""):
            assert PIN not in text and WRONG_PIN not in text, f"a PIN leaked into {type(link).__name__}: {text}"
        link = link.__cause__ or link.__context__
    return error


def extra_key_pair(location: HsmLocation, curve: str = "secp256k1") -> None:
    """Another key pair made directly through PKCS#11, as another tool would."""
    with open_session(location, PIN, rw=True) as session:
        session.generate_keypair(
            KeyType.EC, store=True, label=location.key_label, capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
            public_template={Attribute.EC_PARAMS: encode_named_curve_parameters(curve)},
        )


def test_H6_generated_key_is_sensitive_and_not_extractable(token: SoftHsmToken) -> None:
    address = generate_hsm_key(at(token), PIN)
    assert address.startswith("0x") and len(address) == 42 and address != address.lower()
    with open_session(at(token), PIN) as session:
        (private,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: "officer-1"})
        (public,) = session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: "officer-1"})
        assert private[Attribute.TOKEN] is True
        assert private[Attribute.PRIVATE] is True
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
        assert private[Attribute.ALWAYS_SENSITIVE] is True
        assert private[Attribute.NEVER_EXTRACTABLE] is True
        assert private[Attribute.SIGN] is True
        assert private[Attribute.DERIVE] is False
        assert public[Attribute.TOKEN] is True
        assert public[Attribute.EC_PARAMS] == encode_named_curve_parameters("secp256k1")
        with pytest.raises(pkcs11.AttributeSensitive):
            private[Attribute.VALUE]
        ec_point = public[Attribute.EC_POINT]
    assert hsm.address_from_ec_point(ec_point, at(token)) == address
    assert find_hsm_key(at(token), PIN) == address  # stored on the token, found again in a new session


def test_C6_hsm_signatures_are_low_s_and_recover(token: SoftHsmToken) -> None:
    address = generate_hsm_key(at(token), PIN)
    # The token itself returns high-s about half the time, so normalising is really exercised below.
    with open_session(at(token), PIN) as session:
        (private,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: "officer-1"})
        assert isinstance(private, SignMixin)
        raw = [private.sign(os.urandom(32), mechanism=Mechanism.ECDSA) for _ in range(40)]
    assert all(len(sig) == 64 for sig in raw)
    assert any(int.from_bytes(sig[32:], "big") > HALF_N for sig in raw)

    signer: Signer = open_hsm_signer(at(token), PIN, address.lower())
    assert signer.kind is KeyKind.HSM and signer.address == address
    for _ in range(200):
        digest = os.urandom(32)
        sig = signer.sign_digest(digest)
        assert 0 < sig.s <= HALF_N
        assert sig.v in (27, 28)
        assert recovers_to(digest, sig.r, sig.s, sig.v) == address


def test_find_by_label(token: SoftHsmToken) -> None:
    first = generate_hsm_key(at(token, "officer-1"), PIN)
    second = generate_hsm_key(at(token, "officer-2"), PIN)
    assert first != second
    assert find_hsm_key(at(token, "officer-1"), PIN) == first
    assert find_hsm_key(at(token, "officer-2"), PIN) == second
    error = raised(HsmKeyMissing, lambda: find_hsm_key(at(token, "officer-3"), PIN))
    assert error.user_message == f"No key labelled 'officer-3' on HSM token '{token.label}'"


def test_H6_two_objects_with_one_label_are_refused(token: SoftHsmToken) -> None:
    address = generate_hsm_key(at(token), PIN)
    signer = open_hsm_signer(at(token), PIN, address)
    signer.sign_digest(os.urandom(32))
    extra_key_pair(at(token))

    error = raised(HsmAmbiguousKey, lambda: find_hsm_key(at(token), PIN))
    assert "Two objects labelled 'officer-1'" in error.user_message and "refusing to guess" in error.user_message
    raised(HsmAmbiguousKey, lambda: signer.sign_digest(os.urandom(32)))  # nor does an open signer pick one
    raised(HsmAmbiguousKey, lambda: open_hsm_signer(at(token), PIN, address))
    error = raised(HsmKeyExists, lambda: generate_hsm_key(at(token), PIN))
    assert "already has an object labelled 'officer-1'" in error.user_message


def test_H6_wrong_pin_is_a_clear_error(token: SoftHsmToken) -> None:
    address = generate_hsm_key(at(token), PIN)
    for _ in range(5):
        error = raised(HsmWrongPin, lambda: find_hsm_key(at(token), WRONG_PIN))
        assert error.user_message == f"Wrong PIN for HSM token '{token.label}'"
        assert isinstance(error, WrongPassword)  # the key service's throttling applies
    raised(HsmWrongPin, lambda: open_hsm_signer(at(token), WRONG_PIN, address))
    raised(HsmWrongPin, lambda: generate_hsm_key(at(token, "other"), WRONG_PIN))
    raised(HsmWrongPin, lambda: HsmSigner(at(token), address, WRONG_PIN).sign_digest(os.urandom(32)))
    # The sessions of the failed logins were reclaimed and nothing stayed logged in: the right PIN still works.
    assert open_hsm_signer(at(token), PIN, address).sign_digest(os.urandom(32)).s <= HALF_N


def test_H6_locked_pin_is_a_clear_error(token: SoftHsmToken, monkeypatch: pytest.MonkeyPatch) -> None:
    # SoftHSM2 never locks a PIN, so the token answers CKR_PIN_LOCKED through a stand-in.
    class LockedToken:
        label = token.label

        def open(self, **_: object) -> object:
            raise pkcs11.PinLocked()

    monkeypatch.setattr(hsm_session, "_find_token", lambda module, label: LockedToken())
    error = raised(HsmPinLocked, lambda: find_hsm_key(at(token), PIN))
    assert error.user_message.startswith(f"The PIN of HSM token '{token.label}' is locked")


def test_missing_or_foreign_module_is_a_clear_error(tmp_path: os.PathLike[str]) -> None:
    missing = os.path.join(tmp_path, "libnothere.so")
    error = raised(HsmModuleError, lambda: find_hsm_key(HsmLocation(missing, "t", "k"), PIN))
    assert error.user_message == f"The PKCS#11 module {missing} does not exist: is the HSM's software installed?"

    not_a_library = os.path.join(tmp_path, "notes.txt")
    with open(not_a_library, "w") as handle:
        handle.write("not a library")
    error = raised(HsmModuleError, lambda: generate_hsm_key(HsmLocation(not_a_library, "t", "k"), PIN))
    assert error.user_message == f"{not_a_library} is not a PKCS#11 module (it cannot be loaded)"

    other_library = str(_ctypes.__file__)  # a real shared library, but not PKCS#11
    error = raised(HsmModuleError, lambda: find_hsm_key(HsmLocation(other_library, "t", "k"), PIN))
    assert error.user_message == f"{other_library} is not a PKCS#11 module (it has no C_GetFunctionList)"


def test_H6_pulled_token_is_a_clear_error(home: SoftHsmHome, token: SoftHsmToken) -> None:
    error = raised(HsmTokenMissing, lambda: find_hsm_key(HsmLocation(token.module, "not-plugged-in", "k"), PIN))
    assert error.user_message.startswith("No HSM token labelled 'not-plugged-in' is connected")

    address = generate_hsm_key(at(token), PIN)
    signer = open_hsm_signer(at(token), PIN, address)
    signer.sign_digest(os.urandom(32))
    softhsm.delete_token(home, token.label)
    error = raised(HsmTokenMissing, lambda: signer.sign_digest(os.urandom(32)))
    assert error.user_message.startswith(f"No HSM token labelled '{token.label}' is connected")


def test_token_made_after_the_library_was_loaded_is_found(home: SoftHsmHome, token: SoftHsmToken) -> None:
    generate_hsm_key(at(token), PIN)  # the library is loaded and initialised now
    with softhsm.softhsm_token(home, pin=PIN) as later:
        address = generate_hsm_key(at(later), PIN)
        assert find_hsm_key(at(later), PIN) == address


def test_unsupported_curve_is_a_clear_error(token: SoftHsmToken, monkeypatch: pytest.MonkeyPatch) -> None:
    extra_key_pair(at(token, "p256"), curve="secp256r1")
    error = raised(HsmUnsupportedCurve, lambda: find_hsm_key(at(token, "p256"), PIN))
    assert error.user_message == f"The key labelled 'p256' on HSM token '{token.label}' is not secp256k1"

    # A token that does not know the curve: ask this one for a curve it has never heard of (OID 1.2.3.4).
    monkeypatch.setattr(hsm, "SECP256K1_EC_PARAMS", bytes.fromhex("06032a0304"))
    error = raised(HsmUnsupportedCurve, lambda: generate_hsm_key(at(token), PIN))
    assert "could not make a secp256k1 key" in error.user_message
    raised(HsmKeyMissing, lambda: find_hsm_key(at(token), PIN))  # nothing half-made was left behind


def test_C8_signature_from_another_object_is_refused(token: SoftHsmToken) -> None:
    address_a = generate_hsm_key(at(token, "A"), PIN)
    address_b = generate_hsm_key(at(token, "B"), PIN)

    # A signer that thinks the key labelled A is B's address never releases a signature.
    error = raised(SignerMismatch, lambda: HsmSigner(at(token, "A"), address_b, PIN).sign_digest(os.urandom(32)))
    assert "does not recover" in error.user_message
    error = raised(SignerMismatch, lambda: open_hsm_signer(at(token, "A"), PIN, address_b))
    assert error.user_message.endswith("refusing to sign with it")

    # Mix the objects up: label A now names A's public key and B's private key.
    with open_session(at(token), PIN, rw=True) as session:
        (private_a,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: "A"})
        (private_b,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: "B"})
        private_a.destroy()
        private_b[Attribute.LABEL] = "A"
    raised(SignerMismatch, lambda: find_hsm_key(at(token, "A"), PIN))
    raised(SignerMismatch, lambda: open_hsm_signer(at(token, "A"), PIN, address_a))
    raised(SignerMismatch, lambda: HsmSigner(at(token, "A"), address_a, PIN).sign_digest(os.urandom(32)))


def test_signers_on_one_token_sign_from_many_threads(token: SoftHsmToken) -> None:
    # PKCS#11 login state is shared by all sessions on a token; two signers must not log each other out.
    signers = [open_hsm_signer(at(token, label), PIN, generate_hsm_key(at(token, label), PIN)) for label in "AB"]
    failures: list[BaseException] = []

    def work(signer: HsmSigner) -> None:
        try:
            for _ in range(40):
                digest = os.urandom(32)
                sig = signer.sign_digest(digest)
                assert recovers_to(digest, sig.r, sig.s, sig.v) == signer.address
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(signers[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_closed_signer_forgets_the_pin(token: SoftHsmToken) -> None:
    address = generate_hsm_key(at(token), PIN)
    with open_hsm_signer(at(token), PIN, address) as signer:
        signer.sign_digest(os.urandom(32))
        assert PIN not in repr(signer) and PIN not in repr(vars(signer))
    assert signer.closed
    raised(KeyLocked, lambda: signer.sign_digest(os.urandom(32)))
    with pytest.raises(ValueError, match="32 bytes"):
        HsmSigner(at(token), address, PIN).sign_digest(b"short")


def test_the_pin_never_appears_in_error_messages(token: SoftHsmToken) -> None:
    """Every error in this file goes through `raised`, which checks message, detail, repr and the cause chain; here
    every kind of failure once more, side by side."""
    address = generate_hsm_key(at(token), PIN)
    for action in (
        lambda: find_hsm_key(at(token), WRONG_PIN),
        lambda: find_hsm_key(at(token, "missing"), PIN),
        lambda: find_hsm_key(HsmLocation(token.module, "absent-token", "k"), PIN),
        lambda: find_hsm_key(HsmLocation("/nowhere/lib.so", token.label, "k"), PIN),
        lambda: open_hsm_signer(at(token), PIN, "0x" + "11" * 20),
        lambda: generate_hsm_key(at(token), PIN),
        lambda: HsmSigner(at(token), address, WRONG_PIN).sign_digest(os.urandom(32)),
        lambda: HsmSigner(at(token), "0x" + "22" * 20, PIN).sign_digest(os.urandom(32)),
    ):
        raised(WalletError, action)
