"""A fake of the core's TokenService for the Tokens dialog: demo-like tokens, one hostile, and the same refusals."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError, WrongPassword
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.token_service import DiscoveryResult, TokenApproval
from wallet_app.keys.signer import KeyKind
from wallet_app.keys.views import KeyView

HKDH = "0x856894D5c1d0DF0237e09007FBEA2c02aBBa5bfB"
SPAM = "0x6330c0DF1535d7f0fBf07D20963A0Ede015f5d6D"
HOSTILE = to_checksum("0x" + "ab" * 20)
ALICE = "0x6d93952245BB6FE3ffC44BF2236350ce032364a4"
HOSTILE_NAME = '\u202e<a href="http://127.0.0.1/claim">Claim</a><img src="http://127.0.0.1/x.png"><b>HKDH</b>'
SPAM_REASON = (f"its symbol reads like HKDH, the reviewed token at {HKDH}; unsolicited: the profile's accounts only "
               "received it and never sent any")


def demo_tokens() -> list[TokenEntry]:
    return [
        TokenEntry("0x236a2c35b9A2d2E4AcB9AB04F71b052036597dE4", Standard.ERC1155, "HFSC", "Harbour Fund share classes",
                   0, "share-classes"),
        TokenEntry(HKDH, Standard.ERC20, "HKDH", "Harbour HKD", 6, "stablecoin"),
        TokenEntry("0xAD59b0600DF5f3Af663B5Bb3C1fC3b0A7B951BC2", Standard.ERC20, "HMMF",
                   "Harbour HKD Money Market Fund", 6),
        TokenEntry("0xCcb374f9d434Cff7C036f431522EcCe5a3c2640F", Standard.ERC3643, "HGB29",
                   "Harbour Green Bond 4.25% 2029", 0),
        TokenEntry("0xDEA6268619E52642b96D76eB83c9195d92589187", Standard.ERC721, "HDEED", "Harbour Property Deeds", 0,
                   "deed"),
    ]


class FakeTokens:
    def __init__(self, tokens: list[TokenEntry] | None = None, *, delay: float = 0.0) -> None:
        self.tokens = tokens if tokens is not None else demo_tokens()
        self.delay = delay
        self.calls: list[str] = []
        self.threads: set[int] = set()

    def _wait(self, what: str) -> None:
        self.calls.append(what)
        self.threads.add(threading.get_ident())
        if self.delay:
            threading.Event().wait(self.delay)

    def load_tokens(self) -> list[TokenEntry]:
        self._wait("load")
        return sorted(self.tokens, key=lambda t: t.address)

    def load_signing_keys(self) -> list[KeyView]:
        self._wait("keys")
        return [KeyView(ALICE, KeyKind.KEYSTORE, "Alice Chan (officer)", False, False, ("Harbour client vault",))]

    def add_token(self, address: str) -> TokenEntry:
        self._wait("add")
        checksummed = to_checksum(address)
        if any(t.address == checksummed for t in self.tokens):
            raise ConfigError(f"{checksummed} is already in the token registry (reviewed, registry); a token is "
                              "never added twice, merged or overwritten")
        entry = TokenEntry(checksummed, Standard.ERC20, "HKD\u041d", HOSTILE_NAME, 6, verified=False, source="added",
                           spam_reason="its symbol reads like HKDH; its symbol mixes scripts (cyrillic, latin)",
                           added_at=datetime(2026, 1, 1, tzinfo=UTC))
        self.tokens.append(entry)
        return entry

    def discover_tokens(self, from_block: int = 0) -> DiscoveryResult:
        self._wait("discover")
        added = () if any(t.address == SPAM for t in self.tokens) else (
            TokenEntry(SPAM, Standard.ERC20, "HKDH", "Harbour HKD", 6, verified=False, source="discovered",
                       spam_reason=SPAM_REASON),)
        self.tokens += list(added)
        return DiscoveryResult(from_block=from_block, head=56, accounts=10, contracts=6, added=added, skipped=())

    def approve_token(self, address: str, key: str, password: str) -> TokenApproval:
        self._wait("approve")
        if password != "custos-demo":
            raise WrongPassword("The password is wrong, or the keystore file was altered.")
        index = next(i for i, t in enumerate(self.tokens) if t.address == address)
        approved = replace(self.tokens[index], verified=True, reviewed_by=key,
                           reviewed_at=datetime(2026, 1, 2, tzinfo=UTC))
        self.tokens[index] = approved
        return TokenApproval(approved, "Custos: approve a token", b"\x01" * 65)

    def remove_token(self, address: str) -> TokenEntry:
        self._wait("remove")
        token = next(t for t in self.tokens if t.address == address)
        if token.verified:
            raise ConfigError(f"{address} is a reviewed token; only unreviewed tokens are removed here")
        self.tokens.remove(token)
        return token
