"""Moving a sign request or its answer across the air gap: frames of an animated QR code, or lines of a text file.

A request is two URs: the ERC-4527 `eth-sign-request` (what any ERC-4527 signer reads) and Custos's `custos-check`
(what the online desktop checked). Frames interleave the parts of both, so one animation carries them; a reader
keeps one decoder per UR type and is complete only when it holds both: Custos signs no request without the check, and
a file holds the sign request on its first line, so a reader that stopped there would lose the check.
Frames may arrive in any order, lost or repeated (fountain codes). A file holds the same parts, one a line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wallet_app.offline.online_check import UR_TYPE as CHECK_TYPE
from wallet_app.offline.online_check import MessageCheck, OnlineCheck, read_check
from wallet_app.ur.errors import URError
from wallet_app.ur.eth_types import EthSignature, EthSignRequest
from wallet_app.ur.ur import UR, URDecoder, UREncoder, ur_type

SIGN_REQUEST_TYPE = "eth-sign-request"
SIGNATURE_TYPE = "eth-signature"
DEFAULT_FRAGMENT = 200  # bytes of CBOR per frame: a QR code of about version 13, readable by a phone-grade camera
DEFAULT_FRAMES_PER_SECOND = 4
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_FRAME_CHARS = 100_000


NO_CHECK = ("The request carries no online check (custos-check): it does not come from a Custos online desktop, and "
            "Custos signs no request whose chain facts (simulation, compliance, velocity) were not checked online")


class TransportError(URError):
    code = "offline_transport"


class Animation:
    """The endless frames of an animated QR code carrying `urs`: each UR's parts (its fragments, then new fountain
    parts for ever), the streams interleaved in proportion to their sizes, upper case (QR alphanumeric mode)."""

    def __init__(self, urs: Iterable[UR], max_fragment: int = DEFAULT_FRAGMENT) -> None:
        self._encoders = [UREncoder(ur, max_fragment) for ur in urs]
        self._made = [0] * len(self._encoders)

    @property
    def cycle_length(self) -> int:
        """Frames that show every fragment of every UR once."""
        return sum(e.fragment_count for e in self._encoders)

    def next_frame(self) -> str:
        counts = [e.fragment_count for e in self._encoders]
        i = min(range(len(counts)), key=lambda k: ((self._made[k] + 0.5) / counts[k], k))
        self._made[i] += 1
        return self._encoders[i].next_part().upper()


def frames(urs: Iterable[UR], max_fragment: int = DEFAULT_FRAGMENT, *, rounds: int = 2) -> list[str]:
    """The first frames of the animation: `rounds` cycles (the parts after the first cycle are fountain parts, so a
    reader that misses some of them still completes, mostly, without a second pass)."""
    animation = Animation(urs, max_fragment)
    return [animation.next_frame() for _ in range(rounds * animation.cycle_length)]


@dataclass(frozen=True)
class ReadRequest:
    sign_request: EthSignRequest
    check: OnlineCheck | MessageCheck | None  # None only when built by hand (the reader requires the check)


class RequestReader:
    """Collects the frames of a sign request in any order; `progress` from 0 to 1 for the person waiting."""

    def __init__(self) -> None:
        self._decoders: dict[str, URDecoder] = {}
        self.frames_read = 0

    def receive(self, text: str) -> bool:
        """Take one frame; True if it was new. A frame of another kind of UR, or one belonging to another message
        than the frames before it, raises URError with the reason (the frames collected so far are kept)."""
        if len(text) > MAX_FRAME_CHARS:
            raise TransportError(f"A frame of {len(text):,} characters is too long to be a UR part")
        kind = _ur_type(text)
        if kind not in (SIGN_REQUEST_TYPE, CHECK_TYPE):
            raise TransportError(f"This is a UR of type '{kind}', not part of a Custos sign request")
        decoder = self._decoders.setdefault(kind, URDecoder())
        self.frames_read += 1
        return decoder.receive(text)

    @property
    def progress(self) -> float:
        """From 0 to 1 over both URs (a UR not begun counts 0)."""
        done = [1.0 if d.is_complete else d.estimated_progress for d in self._decoders.values()]
        return sum(done) / 2

    @property
    def is_complete(self) -> bool:
        return len(self._decoders) == 2 and all(d.is_complete for d in self._decoders.values())

    @property
    def sign_request_only(self) -> bool:
        """The sign request is whole and no part of an online check came (a request from another tool)."""
        decoder = self._decoders.get(SIGN_REQUEST_TYPE)
        return decoder is not None and decoder.is_complete and CHECK_TYPE not in self._decoders

    def result(self) -> ReadRequest:
        if self.sign_request_only:
            raise TransportError(NO_CHECK)
        if not self.is_complete:
            raise TransportError(f"The request is not complete yet ({round(self.progress * 100)}% of it was read)")
        request = EthSignRequest.from_cbor(self._decoders[SIGN_REQUEST_TYPE].result.cbor)
        check = read_check(self._decoders[CHECK_TYPE].result.cbor)
        if check.request_id != request.request_id:
            raise TransportError("The online check belongs to another request (its request id differs): frames "
                                 "of two requests were mixed; nothing was read")
        return ReadRequest(request, check)


def read_request_lines(lines: Iterable[str]) -> ReadRequest:
    reader = RequestReader()
    for line in lines:
        if line.strip():
            reader.receive(line.strip())
    return reader.result()


def read_signature_lines(lines: Iterable[str]) -> EthSignature:
    """The `eth-signature` in `lines` (one UR, or the parts of one)."""
    decoder = URDecoder()
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if len(text) > MAX_FRAME_CHARS:
            raise TransportError(f"A line of {len(text):,} characters is too long to be a UR part")
        kind = _ur_type(text)
        if kind != SIGNATURE_TYPE:
            raise TransportError(f"This is a UR of type '{kind}', not an eth-signature")
        decoder.receive(text)
    if not decoder.is_complete:
        raise TransportError("The file does not hold a complete eth-signature UR")
    return EthSignature.from_cbor(decoder.result.cbor)


def read_text_file(path: Path, what: str) -> list[str]:
    """The lines of a transport file: a regular file (not a link, a device or a folder) of UTF-8 text, at most
    MAX_FILE_BYTES, read without following a symbolic link."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise TransportError(f"The {what} {path.name} could not be read ({exc.strerror or 'no such file'})") from None
    if stat.S_ISLNK(info.st_mode):
        raise TransportError(f"The {what} {path.name} is a symbolic link; give the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise TransportError(f"The {what} {path.name} is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise TransportError(f"The {what} {path.name} is {info.st_size:,} bytes; Custos reads at most "
                             f"{MAX_FILE_BYTES:,}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TransportError(f"The {what} {path.name} could not be read ({exc.strerror or 'error'})") from None
    if len(data) > MAX_FILE_BYTES:
        raise TransportError(f"The {what} {path.name} is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise TransportError(f"The {what} {path.name} is not UTF-8 text (a transport file holds UR lines)") from None


def _ur_type(text: str) -> str:
    try:
        return ur_type(text)
    except URError as exc:
        raise TransportError(exc.user_message) from None
