"""Uniform Resources (BCR-2020-005): typed CBOR as `ur:TYPE/BYTEWORDS` text, alone or as a fountain-coded sequence
`ur:TYPE/SEQNUM-SEQLEN/BYTEWORDS` for animated QR codes.

Everything read here comes from a camera or a paste, so the decoder is bounded: a message is at most
`max_message_len` bytes (DEFAULT_MAX_MESSAGE_LEN = 1 MiB, 1,048,576 bytes), a multi-part part string at most
MAX_PART_CHARS (100,000) characters, and the fountain decoder's own limits apply (see fountain_decoder.py). Any
malformed, foreign or oversized input raises URError with a one-line reason, never another exception.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from wallet_app.ur import bytewords
from wallet_app.ur.errors import URError
from wallet_app.ur.fountain import FountainEncoder, Part
from wallet_app.ur.fountain_decoder import DEFAULT_MAX_MESSAGE_LEN, FountainDecoder

__all__ = ["DEFAULT_MAX_MESSAGE_LEN", "MAX_PART_CHARS", "UR", "URDecoder", "UREncoder", "decode_parts", "decode_ur",
           "encode_ur"]

MAX_PART_CHARS = 100_000
_TYPE = re.compile(r"[a-z0-9-]{1,64}")
_SEQUENCE = re.compile(r"([0-9]{1,10})-([0-9]{1,10})")


@dataclass(frozen=True)
class UR:
    """A UR type (lowercase letters, digits and '-', 1 to 64 characters) and its untagged CBOR."""

    type: str
    cbor: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.type, str) or not _TYPE.fullmatch(self.type):
            shown = repr(self.type[:70]) if isinstance(self.type, str) else "not text"
            raise URError(f"the UR type {shown} is not 1 to 64 lowercase letters, digits or '-'")
        if not isinstance(self.cbor, bytes) or not self.cbor:
            raise URError("the UR carries no CBOR data")


def encode_ur(ur: UR) -> str:
    """The single-part form `ur:TYPE/MINIMALBYTEWORDS`."""
    return f"ur:{ur.type}/{bytewords.encode(ur.cbor, 'minimal')}"


class UREncoder:
    """The parts of one UR: the single-part form if it fits one fragment, else an endless fountain-coded sequence."""

    def __init__(self, ur: UR, max_fragment_len: int, first_seq_num: int = 0, min_fragment_len: int = 10) -> None:
        self.ur = ur
        self._fountain = FountainEncoder(ur.cbor, max_fragment_len, first_seq_num, min_fragment_len)

    @property
    def fragment_count(self) -> int:
        return self._fountain.seq_len

    @property
    def is_single_part(self) -> bool:
        return self._fountain.seq_len == 1

    def next_part(self) -> str:
        if self.is_single_part:
            return encode_ur(self.ur)
        part = self._fountain.next_part()
        return f"ur:{self.ur.type}/{part.seq_num}-{part.seq_len}/{bytewords.encode(part.to_cbor(), 'minimal')}"


def _parse(text: object, max_message_len: int) -> tuple[str, tuple[int, int] | None, str]:
    """(type, (seq_num, seq_len) or None for a single part, bytewords) of one UR string, checked before decoding."""
    if not isinstance(text, str):
        raise URError("a UR is text")
    limit = 2 * (max_message_len + 4) + 100
    if len(text) > limit:
        raise URError(f"the text is {len(text):,} characters, over the limit of {limit:,} for one UR")
    text = text.strip().lower()
    if not text.startswith("ur:"):
        raise URError("this is not a UR: it does not start with 'ur:'")
    if not text.isascii():
        raise URError("the UR contains characters that no UR has: the code was misread")
    components = text[3:].split("/")
    if len(components) not in (2, 3):
        raise URError(f"the UR has {len(components)} path components, not 2 (single part) or 3 (one of a sequence)")
    ur_type, body = components[0], components[-1]
    if not _TYPE.fullmatch(ur_type):
        raise URError(f"the UR type {ur_type[:70]!r} is not 1 to 64 lowercase letters, digits or '-'")
    if len(components) == 2:
        if len(body) > 2 * (max_message_len + 4):
            raise URError(f"the message is about {len(body) // 2 - 4:,} bytes, over the limit of {max_message_len:,}")
        return ur_type, None, body
    sequence = _SEQUENCE.fullmatch(components[1])
    if not sequence:
        raise URError(f"the UR sequence {components[1][:30]!r} is not SEQNUM-SEQLEN")
    seq_num, seq_len = int(sequence[1]), int(sequence[2])
    if not (1 <= seq_num <= 0xFFFFFFFF and 1 <= seq_len <= 0xFFFFFFFF):
        raise URError(f"the UR sequence {seq_num}-{seq_len} is out of range")
    if len(body) > MAX_PART_CHARS:
        raise URError(f"the part is {len(body):,} characters, over the limit of {MAX_PART_CHARS:,} for one part")
    return ur_type, (seq_num, seq_len), body


class URDecoder:
    """Collects the parts of one UR, scanned in any order, lost, repeated, upper or lower case."""

    def __init__(self, max_message_len: int = DEFAULT_MAX_MESSAGE_LEN) -> None:
        self._fountain = FountainDecoder(max_message_len)
        self._max_message_len = max_message_len
        self._type: str | None = None
        self._single: UR | None = None
        self._joined: UR | None = None

    @property
    def expected_type(self) -> str | None:
        return self._type

    @property
    def is_complete(self) -> bool:
        return self._single is not None or self._fountain.is_complete

    @property
    def estimated_progress(self) -> float:
        return 1.0 if self._single is not None else self._fountain.estimated_progress

    @property
    def received_count(self) -> int:
        return self._fountain.received_count + (1 if self._single is not None else 0)

    @property
    def expected_part_count(self) -> int:
        return self._fountain.expected_part_count or (1 if self._single is not None else 0)

    @property
    def result(self) -> UR:
        """The UR once complete; URError if it is not, or if the rebuilt message failed its checksum."""
        if self._single is not None:
            return self._single
        if self._joined is None:
            message = self._fountain.result
            assert self._type is not None
            self._joined = UR(self._type, message)
        return self._joined

    def receive(self, text: str) -> bool:
        """Take one scanned string; True if it added information, False if redundant or after completion.

        A malformed part, a part of another type or another message, or one over the limits raises URError and
        leaves the decoder as it was.
        """
        if self.is_complete:
            return False
        ur_type, sequence, body = _parse(text, self._max_message_len)
        if self._type is not None and ur_type != self._type:
            raise URError(f"this part is a {ur_type!r} UR, not part of the {self._type!r} UR being read")
        data = bytewords.decode(body, "minimal")
        if sequence is None:
            ur = UR(ur_type, data)
            fountain = self._fountain
            if fountain.checksum is not None and (zlib.crc32(data), len(data)) != (fountain.checksum,
                                                                                   fountain.message_len):
                raise URError(f"this UR belongs to another message (checksum {zlib.crc32(data):08x}), not the one "
                              f"being read (checksum {fountain.checksum:08x})")
            self._type, self._single = ur_type, ur
            return True
        part = Part.from_cbor(data)
        if (part.seq_num, part.seq_len) != sequence:
            raise URError(f"the part is labelled {sequence[0]}-{sequence[1]} but carries part "
                          f"{part.seq_num}-{part.seq_len}: the code was altered")
        accepted = self._fountain.receive(part)
        self._type = ur_type
        return accepted


def decode_ur(text: str, max_message_len: int = DEFAULT_MAX_MESSAGE_LEN) -> UR:
    """One single-part UR; a part of a sequence is refused with a hint to scan the whole sequence."""
    ur_type, sequence, body = _parse(text, max_message_len)
    if sequence is not None:
        raise URError(f"this is part {sequence[0]} of a {sequence[1]}-part UR: read all of its parts together")
    return UR(ur_type, bytewords.decode(body, "minimal"))


def decode_parts(texts: Iterable[str], max_message_len: int = DEFAULT_MAX_MESSAGE_LEN) -> UR:
    """The UR the given part strings make, in any order; URError if they do not complete it."""
    decoder = URDecoder(max_message_len)
    for text in [texts] if isinstance(texts, str) else texts:
        decoder.receive(text)
        if decoder.is_complete:
            return decoder.result
    if not decoder.expected_part_count:
        raise URError("no UR part was given")
    raise URError(f"the parts do not complete the message: {decoder.received_count} of about "
                  f"{decoder.expected_part_count} received")


def ur_type(text: str) -> str:
    """The type of a UR string (`ur:TYPE/...`, any case), read before any part of it is decoded (to route a frame
    to its decoder); URError in words when it is not a UR."""
    if len(text) > MAX_PART_CHARS + 200:
        raise URError(f"A code of {len(text):,} characters is too long to be a UR part")
    body = text.strip().lower()
    if not body.startswith("ur:") or "/" not in body:
        raise URError("This code is not a UR (it does not start with ur:TYPE/)")
    kind = body[3:body.index("/")]
    if not kind or len(kind) > 64 or any(c not in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in kind):
        raise URError("This code is not a UR (its type is malformed)")
    return kind
