"""The fountain decoder: rebuilds a message from fountain parts received in any order, with losses and duplicates.

It holds untrusted input, so it is bounded: a message over `max_message_len` bytes (DEFAULT_MAX_MESSAGE_LEN, 1 MiB)
or split into more than MAX_SEQ_LEN fragments is refused from its first part, before anything is allocated; at most
4 x seq_len + 100 mixed parts, naming at most MAX_HELD_REFERENCES fragments between them, are ever held, and a new
mixed part beyond that is refused. A stream that never completes stays incomplete; it cannot grow memory or loop:
each part costs one pass over the fragments it mixes plus the held parts a newly known fragment frees.
"""

from __future__ import annotations

import hashlib
import zlib

from wallet_app.ur.errors import URError
from wallet_app.ur.fountain import Part
from wallet_app.ur.xoshiro import choose_fragments

DEFAULT_MAX_MESSAGE_LEN = 1 << 20
MAX_SEQ_LEN = 10_000
MAX_HELD_REFERENCES = 2_000_000
_UINT32 = 0xFFFFFFFF


class FountainDecoder:
    """Peeling decoder, as the reference: each newly known fragment is XORed out of the held mixed parts that contain
    it, and a mixed part left with one unknown fragment makes that fragment known in turn.

    A held part is four integers: how many fragments it still mixes, the XOR of their indexes (the last one's index
    once one remains), the XOR of their 64-bit keys (a set fingerprint that finds duplicates), and its data as one
    big integer, so reducing it costs a few C-level operations whatever the fragment length.
    """

    def __init__(self, max_message_len: int = DEFAULT_MAX_MESSAGE_LEN) -> None:
        if type(max_message_len) is not int or not 0 < max_message_len <= _UINT32:
            raise URError("the message length limit is 1 to 4,294,967,295 bytes")
        self.max_message_len = max_message_len
        self.checksum: int | None = None
        self.message_len: int | None = None
        self.received_count = 0
        self._seq_len = 0
        self._fragment_len = 0
        self._fragments: list[bytes | None] = []
        self._keys: list[int] = []
        self._known_count = 0
        self._held: dict[int, list[int]] = {}
        self._by_fingerprint: dict[int, int] = {}
        self._columns: dict[int, list[int]] = {}
        self._references = 0
        self._next_id = 0
        self._result: bytes | None = None
        self._failure: URError | None = None

    @property
    def expected_part_count(self) -> int:
        """The number of fragments (seq_len), 0 before the first part; fountain codes may need a few parts more."""
        return self._seq_len

    @property
    def is_complete(self) -> bool:
        """True once the message is rebuilt, or proved corrupt (then `result` raises)."""
        return self._result is not None or self._failure is not None

    @property
    def estimated_progress(self) -> float:
        """Known fragments / fragments, as the reference reports it, held below 1 until the message is complete."""
        if self.is_complete:
            return 1.0
        if not self._seq_len:
            return 0.0
        return min(0.99, self._known_count / self._seq_len)

    @property
    def result(self) -> bytes:
        if self._failure is not None:
            raise self._failure
        if self._result is None:
            raise URError(f"the message is not complete: {self.received_count} of about {self._seq_len} parts received")
        return self._result

    def receive(self, part: Part) -> bool:
        """Take one part; True if it added information, False if it was a duplicate, redundant, or came too late.

        A part of another message, with inconsistent sizes, or over the limits raises URError and changes nothing.
        """
        if self.is_complete:
            return False
        self._check(part)
        if not self._fragments:
            self._start(part)
        indexes = choose_fragments(part.seq_num, part.seq_len, part.checksum)
        fragments = self._fragments
        unknown = [index for index in indexes if fragments[index] is None]
        if not unknown:
            return False
        if len(indexes) == 1:
            self._learn(unknown[0], part.data)
            self.received_count += 1
            return True
        data = int.from_bytes(part.data, "big")
        for index in indexes:
            fragment = fragments[index]
            if fragment is not None:
                data ^= int.from_bytes(fragment, "big")
        if len(unknown) == 1:
            self._learn(unknown[0], data.to_bytes(self._fragment_len, "big"))
        elif not self._hold(unknown, data):
            return False
        self.received_count += 1
        return True

    def _start(self, part: Part) -> None:
        """Size the state for the message the first (already checked) part announces."""
        self._fragments = [None] * part.seq_len
        stream = hashlib.shake_128(b"custos ur fountain fingerprint keys").digest(8 * part.seq_len)
        self._keys = [int.from_bytes(stream[i : i + 8], "little") for i in range(0, len(stream), 8)]
        self._seq_len, self._fragment_len = part.seq_len, len(part.data)
        self.checksum, self.message_len = part.checksum, part.message_len

    def _check(self, part: Part) -> None:
        if part.seq_num == 0:
            raise URError("the part's sequence number is 0; parts are numbered from 1")
        if part.message_len > self.max_message_len:
            raise URError(f"the message is {part.message_len:,} bytes, over the limit of {self.max_message_len:,}")
        if self._fragments:
            if part.checksum != self.checksum:
                raise URError(f"this part belongs to another message (checksum {part.checksum:08x}), not the one "
                              f"being read (checksum {self.checksum:08x})")
            if (part.seq_len, part.message_len, len(part.data)) != (self._seq_len, self.message_len,
                                                                    self._fragment_len):
                raise URError("this part's sizes differ from the message being read: it belongs to another message")
            return
        if not part.message_len or not part.data or -(-part.message_len // len(part.data)) != part.seq_len:
            raise URError(f"the part's sizes are inconsistent: {part.message_len:,} bytes cannot make "
                          f"{part.seq_len:,} fragments of {len(part.data):,} bytes")
        if part.seq_len > MAX_SEQ_LEN:
            raise URError(f"the message is split into {part.seq_len:,} parts, over the limit of {MAX_SEQ_LEN:,}")

    def _hold(self, unknown: list[int], data: int) -> bool:
        """Keep a mixed part of two or more unknown fragments; False if the same mix is already held."""
        position = fingerprint = 0
        for index in unknown:
            position ^= index
            fingerprint ^= self._keys[index]
        if fingerprint in self._by_fingerprint:
            return False
        if len(self._held) >= 4 * self._seq_len + 100 or self._references + len(unknown) > MAX_HELD_REFERENCES:
            raise URError(f"{len(self._held):,} mixed parts are held and the message is still incomplete: "
                          "the sender is broken or hostile")
        key = self._next_id
        self._next_id += 1
        self._held[key] = [len(unknown), position, fingerprint, data]
        self._by_fingerprint[fingerprint] = key
        self._references += len(unknown)
        for index in unknown:
            self._columns.setdefault(index, []).append(key)
        return True

    def _learn(self, index: int, fragment: bytes) -> None:
        """Record a fragment, then every fragment it frees from the held mixed parts, until nothing more follows."""
        pending = [(index, fragment)]
        while pending:
            index, fragment = pending.pop()
            if self._fragments[index] is not None:
                continue
            self._fragments[index] = fragment
            self._known_count += 1
            if self._known_count == self._seq_len:
                self._finish()
                return
            holders = self._columns.pop(index, [])
            self._references -= len(holders)
            value, key_bits = int.from_bytes(fragment, "big"), self._keys[index]
            for key in holders:
                entry = self._held.get(key)
                if entry is None:
                    continue
                remaining, position, fingerprint, data = entry
                del self._by_fingerprint[fingerprint]
                remaining, position, fingerprint, data = remaining - 1, position ^ index, fingerprint ^ key_bits, \
                    data ^ value
                if remaining == 1:
                    del self._held[key]
                    pending.append((position, data.to_bytes(self._fragment_len, "big")))
                elif fingerprint in self._by_fingerprint:
                    del self._held[key]
                else:
                    entry[:] = remaining, position, fingerprint, data
                    self._by_fingerprint[fingerprint] = key

    def _finish(self) -> None:
        message = b"".join(f or b"" for f in self._fragments)[: self.message_len]
        self._held.clear()
        self._by_fingerprint.clear()
        self._columns.clear()
        self._references = 0
        if zlib.crc32(message) != self.checksum:
            self._failure = URError("the rebuilt message does not match its checksum: a part was corrupt or forged")
        else:
            self._result = message
