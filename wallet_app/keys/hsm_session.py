"""PKCS#11 plumbing for HSM keys: each module loaded once, tokens found by label, one logged-in session per operation,
and every failure turned into a one-line `HsmError` that never contains the PIN.

PKCS#11 keeps the login state per token for the whole process: a second C_Login fails (USER_ALREADY_LOGGED_IN, without
even checking the PIN) and any C_Logout logs every session out. So Custos never keeps a logged-in session between
operations: each one opens a session, logs in, works, logs out and closes, holding the module's lock throughout. That
costs under a millisecond on SoftHSM2, the token checks the PIN every time, and a re-inserted token just works.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pkcs11
from pkcs11 import exceptions as p11
from pkcs11.types import Session, Token

from wallet_app.errors import HsmError, HsmModuleError, HsmPinLocked, HsmTokenMissing, HsmWrongPin
from wallet_app.keys.registry import HsmLocation

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Pkcs11Library

# A slot whose token cannot be read is skipped when looking for a label (SoftHSM2 answers GeneralError for a token
# deleted while the library is loaded).
_UNREADABLE_TOKEN = (p11.TokenNotPresent, p11.TokenNotRecognised, p11.GeneralError, p11.DeviceError, p11.DeviceRemoved)
_WENT_AWAY = (
    p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved, p11.SessionClosed, p11.SessionHandleInvalid,
)
_LOGIN_FAILED = (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange, p11.PinLocked, p11.PinExpired)


class SecretPin:
    """A PIN that does not show itself in reprs, logs or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretPin(***)"

    __str__ = __repr__


@dataclass(eq=False)
class _Module:
    path: str
    library: Pkcs11Library
    lock: threading.RLock


_modules: dict[str, _Module] = {}
_modules_lock = threading.Lock()


def _load(module_path: str) -> _Module:
    path = os.path.abspath(os.path.expanduser(module_path))
    real = os.path.realpath(path)  # one library object (and lock) per file, whatever symlink names it
    with _modules_lock:
        module = _modules.get(real)
        if module is not None:
            return module
        if not os.path.isfile(real):
            raise HsmModuleError(f"The PKCS#11 module {path} does not exist: is the HSM's software installed?")
        try:
            library = pkcs11.lib(real)
        except p11.PKCS11Error as exc:
            if "while loading" in str(exc):
                reason = "it has no C_GetFunctionList" if "C_GetFunctionList" in str(exc) else "it cannot be loaded"
                raise HsmModuleError(f"{path} is not a PKCS#11 module ({reason})", detail=str(exc)) from exc
            raise HsmModuleError(
                f"The PKCS#11 module {path} would not start ({type(exc).__name__}): check its configuration",
                detail=str(exc),
            ) from exc
        module = _modules[real] = _Module(path, library, threading.RLock())
        return module


def _find_token(module: _Module, label: str) -> Token:
    """The one present token labelled `label`. On a miss the library is re-initialised once (we hold no session
    then) so a token inserted or created since it was loaded is seen."""
    for attempt in (1, 2):
        if not module.library.initialized:
            module.library.initialize()
        found: list[Token] = []
        for slot in module.library.get_slots(token_present=True):
            try:
                token = slot.get_token()
            except _UNREADABLE_TOKEN:
                continue
            if token.label == label:
                found.append(token)
        if len(found) == 1:
            return found[0]
        if found:
            raise HsmError(f"{len(found)} HSM tokens are labelled '{label}': refusing to guess; relabel one")
        if attempt == 1:
            module.library.reinitialize()
    raise HsmTokenMissing(f"No HSM token labelled '{label}' is connected (module {module.path}): insert it and retry")


@contextmanager
def hsm_session(location: HsmLocation, pin: SecretPin | str, *, rw: bool = False) -> Iterator[Session]:
    """A session logged in to `location`'s token, closed (and logged out) on exit. Holds the module's lock, so keep
    the work inside short; PKCS#11 errors raised inside become `HsmError`s."""
    secret = pin if isinstance(pin, SecretPin) else SecretPin(pin)
    module = _load(location.module)
    with module.lock, _translated(location):
        token = _find_token(module, location.token)
        try:
            session = token.open(rw=rw, user_pin=secret.reveal())
        except _LOGIN_FAILED:
            _reclaim_failed_login(module)
            raise
        try:
            yield session
        finally:
            try:
                session.close()
            except p11.PKCS11Error:
                pass  # the token went away: there is nothing left to log out of


def _reclaim_failed_login(module: _Module) -> None:
    """python-pkcs11 0.10 opens the session before C_Login and does not close it when the login fails. We hold no
    other session on this module (its lock is ours), so re-initialising the library reclaims the leaked one."""
    try:
        module.library.reinitialize()
    except p11.PKCS11Error:
        pass  # the next operation initialises it again


@contextmanager
def _translated(location: HsmLocation) -> Iterator[None]:
    try:
        yield
    except p11.PKCS11Error as exc:
        raise _translate(exc, location) from exc


def _translate(exc: p11.PKCS11Error, location: HsmLocation) -> HsmError:
    """A one-line `HsmError` for a PKCS#11 failure on `location` (python-pkcs11's messages never hold the PIN)."""
    token = f"HSM token '{location.token}'"
    name = type(exc).__name__
    if isinstance(exc, p11.PinIncorrect):
        return HsmWrongPin(f"Wrong PIN for {token}")
    if isinstance(exc, p11.PinInvalid | p11.PinLenRange):
        return HsmWrongPin(f"That PIN cannot be right for {token}: it has characters or a length the token refuses")
    if isinstance(exc, p11.PinLocked):
        return HsmPinLocked(f"The PIN of {token} is locked after too many wrong tries: its officer must unlock it")
    if isinstance(exc, p11.PinExpired):
        return HsmError(f"The PIN of {token} has expired: change it with the token's own tools")
    if isinstance(exc, p11.UserPinNotInitialized):
        return HsmError(f"{token} has no user PIN yet: initialise it with the token's own tools")
    if isinstance(exc, p11.UserAlreadyLoggedIn | p11.AnotherUserAlreadyLoggedIn):
        return HsmError(f"Another part of this program is logged in to {token}; close it and retry")
    if isinstance(exc, _WENT_AWAY):
        return HsmTokenMissing(f"{token} went away during the operation ({name}): reconnect it and retry")
    return HsmError(f"{token} refused the operation ({name})", detail=str(exc) or None)
