"""secp256k1 keys held in a PKCS#11 token (H6): made there, found by label, and a `Signer` over them.

The private key never leaves the token (CKA_SENSITIVE, not CKA_EXTRACTABLE). The token signs a 32-byte digest with
CKM_ECDSA and returns raw r || s; `finalize_signature` makes it low-s, finds v by trial and refuses it unless it
recovers to the key's address (C6, C8). A label must name exactly one key pair: Custos never guesses.
"""

from __future__ import annotations

import os
import threading
from types import TracebackType

from eth_hash.auto import keccak
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.types import PrivateKey, PublicKey, Session, SignMixin

from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.errors import (
    HsmAmbiguousKey,
    HsmError,
    HsmKeyExists,
    HsmKeyMissing,
    HsmUnsupportedCurve,
    KeyLocked,
    SignerMismatch,
)
from wallet_app.keys.hsm_session import SecretPin, hsm_session
from wallet_app.keys.registry import HsmLocation
from wallet_app.keys.signature import Signature, finalize_signature
from wallet_app.keys.signer import KeyKind

# CKA_EC_PARAMS of secp256k1: the DER of its named-curve OID 1.3.132.0.10.
SECP256K1_EC_PARAMS = bytes.fromhex("06052b8104000a")
_FIELD_P = 2**256 - 2**32 - 977
# What a token answers when it cannot make a key pair on the curve we ask for (SoftHSM2: GeneralError;
# CKR_CURVE_NOT_SUPPORTED is unmapped in python-pkcs11, so it arrives as a bare PKCS11Error).
_CURVE_REFUSED = (
    p11.GeneralError, p11.DomainParamsInvalid, p11.MechanismInvalid, p11.MechanismParamInvalid,
    p11.TemplateInconsistent, p11.AttributeValueInvalid, p11.FunctionNotSupported,
)


def generate_hsm_key(location: HsmLocation, pin: str) -> str:
    """Make a secp256k1 key pair inside the token, labelled `location.key_label`, and return its address."""
    _require_label(location)
    with hsm_session(location, pin, rw=True) as session:
        mechanisms = session.token.slot.get_mechanisms()
        if Mechanism.EC_KEY_PAIR_GEN not in mechanisms or Mechanism.ECDSA not in mechanisms:
            raise HsmUnsupportedCurve(f"HSM token '{location.token}' cannot make or use ECDSA keys")
        if next(iter(session.get_objects({Attribute.LABEL: location.key_label})), None) is not None:
            raise HsmKeyExists(
                f"HSM token '{location.token}' already has an object labelled '{location.key_label}': "
                "choose another label"
            )
        try:
            public, private = session.generate_keypair(
                KeyType.EC, store=True, label=location.key_label, id=os.urandom(16),
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                public_template={Attribute.EC_PARAMS: SECP256K1_EC_PARAMS, Attribute.PRIVATE: False},
                private_template={
                    Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True, Attribute.DERIVE: False,
                },
            )
        except p11.PKCS11Error as exc:
            if isinstance(exc, _CURVE_REFUSED) or type(exc) is p11.PKCS11Error:
                raise HsmUnsupportedCurve(
                    f"HSM token '{location.token}' could not make a secp256k1 key ({type(exc).__name__}): "
                    "it may not support that curve", detail=str(exc) or None,
                ) from exc
            raise
        try:
            if private[Attribute.SENSITIVE] is not True or private[Attribute.EXTRACTABLE] is not False:
                raise HsmError(
                    f"HSM token '{location.token}' would not keep the new key sensitive and unextractable: "
                    "it was deleted"
                )
            address = address_from_ec_point(public[Attribute.EC_POINT], location)
            _prove(private, address, location)
        except BaseException:
            for created in (private, public):
                try:
                    created.destroy()
                except p11.PKCS11Error:
                    pass  # reported by the error already on its way
            raise
        return address


def find_hsm_key(location: HsmLocation, pin: str) -> str:
    """The address of the one key pair labelled `location.key_label`, after proving its private key signs for it."""
    _require_label(location)
    with hsm_session(location, pin) as session:
        public, private = _key_pair(session, location)
        address = address_from_ec_point(public[Attribute.EC_POINT], location)
        _prove(private, address, location)
        return address


def destroy_hsm_key(location: HsmLocation, pin: str, expected_address: str) -> None:
    """Destroy the key pair at `location` inside the token (O2), only if it is `expected_address`."""
    _require_label(location)
    expected = to_checksum(expected_address)
    with hsm_session(location, pin, rw=True) as session:
        public, private = _key_pair(session, location)
        address = address_from_ec_point(public[Attribute.EC_POINT], location)
        if address != expected:
            raise SignerMismatch(
                f"The key labelled '{location.key_label}' on HSM token '{location.token}' is {address}, not "
                f"{expected}: nothing was destroyed"
            )
        private.destroy()
        public.destroy()


def open_hsm_signer(location: HsmLocation, pin: str, expected_address: str) -> HsmSigner:
    """A signer for the key pair at `location`, refused unless that key is `expected_address` (checks the PIN too)."""
    address = find_hsm_key(location, pin)
    expected = to_checksum(expected_address)
    if address != expected:
        raise SignerMismatch(
            f"The key labelled '{location.key_label}' on HSM token '{location.token}' is {address}, not {expected}: "
            "refusing to sign with it"
        )
    return HsmSigner(location, address, pin)


class HsmSigner:
    """Implements `Signer` over a key pair in a PKCS#11 token. Thread-safe; `close()` forgets the PIN."""

    def __init__(self, location: HsmLocation, address: str, pin: str) -> None:
        self._location = location
        self._address = to_checksum(address)
        self._pin: SecretPin | None = SecretPin(pin)
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return self._address

    @property
    def kind(self) -> KeyKind:
        return KeyKind.HSM

    @property
    def location(self) -> HsmLocation:
        return self._location

    @property
    def closed(self) -> bool:
        return self._pin is None

    def sign_digest(self, digest: bytes) -> Signature:
        if len(digest) != 32:
            raise ValueError("a digest is 32 bytes")
        with self._lock:
            if self._pin is None:
                raise KeyLocked(f"The HSM key {self._address} is closed: unlock it again to sign")
            with hsm_session(self._location, self._pin) as session:
                r, s = _sign_raw(_one_private_key(session, self._location), digest, self._location)
        return finalize_signature(digest, r, s, self._address)

    def close(self) -> None:
        """Forget the PIN; later signing raises `KeyLocked`. No session outlives an operation, so none is left open."""
        with self._lock:
            self._pin = None

    def __enter__(self) -> HsmSigner:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"HsmSigner({self._address}, token={self._location.token!r}, key={self._location.key_label!r}, {state})"


def address_from_ec_point(ec_point: bytes, location: HsmLocation) -> str:
    """The Ethereum address of an uncompressed secp256k1 point, raw (65 bytes) or DER-wrapped in an OCTET STRING."""
    point = ec_point[2:] if len(ec_point) == 67 and ec_point[:2] == b"\x04\x41" else ec_point
    if len(point) == 65 and point[0] == 4:
        x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
        if x < _FIELD_P and y < _FIELD_P and (y * y - x * x * x - 7) % _FIELD_P == 0:
            return from_bytes(keccak(point[1:])[-20:])
    raise HsmUnsupportedCurve(
        f"The public key labelled '{location.key_label}' on HSM token '{location.token}' is not a secp256k1 point"
    )


def _key_pair(session: Session, location: HsmLocation) -> tuple[PublicKey, PrivateKey]:
    label = location.key_label
    privates = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: label}))
    publics = list(session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: label}))
    _require_one(len(privates), len(publics), location)
    public, private = publics[0], privates[0]
    if not isinstance(public, PublicKey) or not isinstance(private, PrivateKey):
        raise HsmError(f"The objects labelled '{label}' on HSM token '{location.token}' are not a key pair")
    for key in (public, private):
        if key.key_type is not KeyType.EC or key[Attribute.EC_PARAMS] != SECP256K1_EC_PARAMS:
            raise HsmUnsupportedCurve(f"The key labelled '{label}' on HSM token '{location.token}' is not secp256k1")
    return public, private


def _one_private_key(session: Session, location: HsmLocation) -> PrivateKey:
    found = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: location.key_label}))
    _require_one(len(found), 1, location)
    private = found[0]
    if not isinstance(private, PrivateKey):
        raise HsmError(f"The object labelled '{location.key_label}' on HSM token '{location.token}' is not a key")
    return private


def _require_label(location: HsmLocation) -> None:
    if not location.key_label.strip():
        raise HsmError("An HSM key needs a label (CKA_LABEL) to be found again")


def _require_one(privates: int, publics: int, location: HsmLocation) -> None:
    label, token = location.key_label, location.token
    if privates > 1 or publics > 1:
        raise HsmAmbiguousKey(
            f"Two objects labelled '{label}' on HSM token '{token}' ({privates} private, {publics} public keys): "
            "refusing to guess"
        )
    if privates == 0 and publics == 0:
        raise HsmKeyMissing(f"No key labelled '{label}' on HSM token '{token}'")
    if privates == 0:
        raise HsmKeyMissing(f"HSM token '{token}' has no private key labelled '{label}' (only its public key)")
    if publics == 0:
        raise HsmKeyMissing(f"HSM token '{token}' has no public key labelled '{label}', so its address is unknown")


def _sign_raw(private: PrivateKey, digest: bytes, location: HsmLocation) -> tuple[int, int]:
    if not isinstance(private, SignMixin):
        raise HsmError(f"The key labelled '{location.key_label}' on HSM token '{location.token}' may not sign")
    raw = private.sign(digest, mechanism=Mechanism.ECDSA)
    if len(raw) != 64:
        raise SignerMismatch(f"HSM token '{location.token}' returned {len(raw)} bytes, not a 64-byte r || s: discarded")
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


def _prove(private: PrivateKey, address: str, location: HsmLocation) -> None:
    """Sign a random digest and check it recovers to `address`: the private key really belongs to that public key."""
    digest = os.urandom(32)
    r, s = _sign_raw(private, digest, location)
    finalize_signature(digest, r, s, address)
