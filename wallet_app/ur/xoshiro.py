"""The deterministic randomness BC-UR fountain codes share between encoder and decoder.

Xoshiro256** seeded from SHA-256, the alias-method sampler, the shuffle, and the choice of which fragments a part
mixes. Every step follows the C++ reference (bc-ur) bit for bit, floating point included, because a decoder that
picked different fragments for a part than its encoder did would silently corrupt the message.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_MASK = (1 << 64) - 1
_TWO_TO_64 = 18446744073709551616.0


class Xoshiro256:
    """Xoshiro256** over a SHA-256 digest of the seed (bytes, or text as UTF-8), state words read big-endian."""

    __slots__ = ("_s",)

    def __init__(self, seed: bytes | str) -> None:
        digest = hashlib.sha256(seed.encode() if isinstance(seed, str) else seed).digest()
        self._s = [int.from_bytes(digest[i : i + 8], "big") for i in range(0, 32, 8)]

    def next(self) -> int:
        s = self._s
        x = (s[1] * 5) & _MASK
        result = ((((x << 7) | (x >> 57)) & _MASK) * 9) & _MASK
        t = (s[1] << 17) & _MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & _MASK
        return result

    def next_double(self) -> float:
        """In [0, 1): the 64-bit output rounded to a double first, then divided by 2**64, as C++ does."""
        return float(self.next()) / _TWO_TO_64

    def next_int(self, low: int, high: int) -> int:
        """Uniform in [low, high] by the reference's truncating float arithmetic."""
        return int(self.next_double() * (high - low + 1)) + low

    def next_byte(self) -> int:
        return self.next_int(0, 255)

    def next_data(self, count: int) -> bytes:
        return bytes(self.next_byte() for _ in range(count))


def shuffle(items: Sequence[T], rng: Xoshiro256, count: int | None = None) -> list[T]:
    """The reference shuffle; with `count`, only its first `count` items (the draws after those are never needed).

    The generator is inlined here: a mixed part of a long message draws hundreds of indexes, and a method call per
    draw would dominate decoding. Each draw is exactly `rng.next_int(0, len(remaining) - 1)`.
    """
    remaining = list(items)
    taken = len(remaining) if count is None else min(count, len(remaining))
    s0, s1, s2, s3 = rng._s
    out = []
    for _ in range(taken):
        x = (s1 * 5) & _MASK
        result = ((((x << 7) | (x >> 57)) & _MASK) * 9) & _MASK
        t = (s1 << 17) & _MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & _MASK
        out.append(remaining.pop(int(float(result) / _TWO_TO_64 * len(remaining))))
    rng._s = [s0, s1, s2, s3]
    return out


class RandomSampler:
    """Vose's alias method with the reference's index order, so the same rng draws give the same choices."""

    __slots__ = ("_aliases", "_probs")

    def __init__(self, weights: Sequence[float]) -> None:
        n = len(weights)
        if n == 0 or any(not w >= 0 for w in weights):
            raise ValueError("the sampler needs one or more non-negative weights")
        total = 0.0
        for w in weights:  # left to right, never sum()'s compensated addition: the rounding must match C++
            total += w
        if not total > 0:
            raise ValueError("the sampler's weights must not all be zero")
        scaled = [w * float(n) / total for w in weights]
        small = [i for i in range(n - 1, -1, -1) if scaled[i] < 1]
        large = [i for i in range(n - 1, -1, -1) if scaled[i] >= 1]
        probs = [0.0] * n
        aliases = [0] * n
        while small and large:
            a = small.pop()
            g = large.pop()
            probs[a] = scaled[a]
            aliases[a] = g
            scaled[g] += scaled[a] - 1
            (small if scaled[g] < 1 else large).append(g)
        for i in large + small:
            probs[i] = 1.0
        self._probs = probs
        self._aliases = aliases

    def next(self, rng: Xoshiro256) -> int:
        r1 = rng.next_double()
        r2 = rng.next_double()
        i = int(len(self._probs) * r1)
        return i if r2 < self._probs[i] else self._aliases[i]


@functools.lru_cache(maxsize=8)
def _degree_sampler(seq_len: int) -> RandomSampler:
    """Degree d is drawn with weight 1/d; building the table is O(seq_len), so each length is built once."""
    return RandomSampler([1.0 / i for i in range(1, seq_len + 1)])


def choose_degree(seq_len: int, rng: Xoshiro256) -> int:
    """How many fragments a mixed part XORs together (1..seq_len)."""
    return _degree_sampler(seq_len).next(rng) + 1


def choose_fragments(seq_num: int, seq_len: int, checksum: int) -> list[int]:
    """The fragment indexes part `seq_num` carries: part n <= seq_len is fragment n-1 alone, later parts a mix.

    Seeded by seq_num and the message checksum (each a big-endian uint32), so encoder and decoder agree. The order of
    the indexes is the reference's shuffle order; callers that need a set make one.
    """
    if seq_num <= seq_len:
        return [seq_num - 1]
    rng = Xoshiro256(seq_num.to_bytes(4, "big") + checksum.to_bytes(4, "big"))
    degree = choose_degree(seq_len, rng)
    return shuffle(range(seq_len), rng, degree)
