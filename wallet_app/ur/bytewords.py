"""Bytewords (BCR-2020-012): bytes as four-letter words, with a CRC32 of the body appended as four more words.

Three styles: "standard" (words separated by spaces), "uri" (separated by '-') and "minimal" (first and last letter of
each word, no separator), the form UR text uses. Decoding is case-insensitive because QR alphanumeric mode upper-cases.
"""

from __future__ import annotations

import sys
import zlib
from typing import Literal

from wallet_app.ur.errors import URError

Style = Literal["standard", "uri", "minimal"]

_WORDS = (
    "able acid also apex aqua arch atom aunt away axis back bald barn belt beta bias "
    "blue body brag brew bulb buzz calm cash cats chef city claw code cola cook cost "
    "crux curl cusp cyan dark data days deli dice diet door down draw drop drum dull "
    "duty each easy echo edge epic even exam exit eyes fact fair fern figs film fish "
    "fizz flap flew flux foxy free frog fuel fund gala game gear gems gift girl glow "
    "good gray grim guru gush gyro half hang hard hawk heat help high hill holy hope "
    "horn huts iced idea idle inch inky into iris iron item jade jazz join jolt jowl "
    "judo jugs jump junk jury keep keno kept keys kick kiln king kite kiwi knob lamb "
    "lava lazy leaf legs liar limp lion list logo loud love luau luck lung main many "
    "math maze memo menu meow mild mint miss monk nail navy need news next noon note "
    "numb obey oboe omit onyx open oval owls paid part peck play plus poem pool pose "
    "puff puma purr quad quiz race ramp real redo rich road rock roof ruby ruin runs "
    "rust safe saga scar sets silk skew slot soap solo song stub surf swan taco task "
    "taxi tent tied time tiny toil tomb toys trip tuna twin ugly undo unit urge user "
    "vast very veto vial vibe view visa void vows wall wand warm wasp wave waxy webs "
    "what when whiz wolf work yank yawn yell yoga yurt zaps zero zest zinc zone zoom"
).split()
_MINIMAL = tuple(word[0] + word[3] for word in _WORDS)
_WORD_VALUE = {word: value for value, word in enumerate(_WORDS)}
_MINIMAL_VALUE = {code: value for value, code in enumerate(_MINIMAL)}
_INVALID = 256
# Minimal words indexed by their two ASCII letters read as one native-endian 16-bit number, so a whole string decodes
# through a memoryview cast and one C-level map instead of slicing it into two-letter strings.
_PAIR_VALUE = [_INVALID] * 65536
for _value, _code in enumerate(_MINIMAL):
    _PAIR_VALUE[int.from_bytes(_code.encode(), sys.byteorder)] = _value
_SEPARATOR = {"standard": " ", "uri": "-"}
_CHECKSUM_LEN = 4

assert len(_WORDS) == 256 and len(_MINIMAL_VALUE) == 256


def crc32_bytes(data: bytes) -> bytes:
    """The CRC32 (ISO-HDLC, as zlib) of `data` as four big-endian bytes: the checksum bytewords carry."""
    return zlib.crc32(data).to_bytes(4, "big")


def encode(data: bytes, style: Style) -> str:
    """`data` and its CRC32 as bytewords in the given style."""
    full = bytes(data) + crc32_bytes(data)
    if style == "minimal":
        return "".join(map(_MINIMAL.__getitem__, full))
    if style not in _SEPARATOR:
        raise URError(f"unknown bytewords style {style!r}: use standard, uri or minimal")
    return _SEPARATOR[style].join(map(_WORDS.__getitem__, full))


def decode(text: str, style: Style) -> bytes:
    """The body of bytewords `text` after checking its CRC32; any misread word or checksum raises URError."""
    if not isinstance(text, str):
        raise URError("the bytewords are not text")
    text = text.strip().lower()
    if style == "minimal":
        full = _decode_minimal(text)
    elif style in _SEPARATOR:
        words = text.split(_SEPARATOR[style]) if text else []
        try:
            full = bytes(map(_WORD_VALUE.__getitem__, words))
        except KeyError as error:
            word = str(error.args[0])
            where = words.index(word) + 1
            raise URError(f"{_shown(word)} is not a byteword (word {where}): the code was misread") from None
    else:
        raise URError(f"unknown bytewords style {style!r}: use standard, uri or minimal")
    if len(full) <= _CHECKSUM_LEN:
        raise URError("the bytewords are too short to hold data and its checksum")
    body, checksum = full[:-_CHECKSUM_LEN], full[-_CHECKSUM_LEN:]
    if crc32_bytes(body) != checksum:
        raise URError("the UR's bytewords checksum does not match: the code was misread")
    return body


def _decode_minimal(text: str) -> bytes:
    if len(text) % 2:
        raise URError("the minimal bytewords have an odd number of letters: the code was cut or misread")
    try:
        return bytes(map(_PAIR_VALUE.__getitem__, memoryview(text.encode("ascii")).cast("H")))
    except (UnicodeEncodeError, ValueError):
        pass
    for i in range(0, len(text), 2):
        if text[i : i + 2] not in _MINIMAL_VALUE:
            raise URError(f"{_shown(text[i : i + 2])} is not a byteword (word {i // 2 + 1}): the code was misread")
    raise URError("the minimal bytewords could not be read")


def _shown(word: str) -> str:
    """A misread word made safe to show: at most 12 characters, non-printable ones escaped."""
    return repr(word[:12] + ("…" if len(word) > 12 else ""))
