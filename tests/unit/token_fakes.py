"""A fake chain for the token tests: answers Multicall3 probes from per-contract tables and filters logs like a node."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from eth_abi.abi import encode

from wallet_app.chain.client import BlockHeader, BlockRef, Call, CallResult, LogEntry
from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import address_bytes, to_checksum
from wallet_app.errors import RpcError
from wallet_app.holdings.standards import TRANSFER_SINGLE_TOPIC, TRANSFER_TOPIC
from wallet_app.holdings.token_detect import ERC165_ID, ERC721_ID, ERC1155_ID, INVALID_ID

Answer = Callable[[bytes], CallResult]
HEAD = 5_000


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def const(data: bytes, success: bool = True) -> Answer:
    return lambda _args: CallResult(success, data)


def text(value: str) -> Answer:
    return const(encode(["string"], [value]))


def address_word(address: str) -> bytes:
    return b"\0" * 12 + address_bytes(address)


def interfaces(*supported: bytes) -> Answer:
    """supportsInterface(bytes4) answering true for `supported` (and ERC-165 itself), false otherwise."""
    def answer(args: bytes) -> CallResult:
        asked = args[:4]
        if asked == INVALID_ID:
            return CallResult(True, word(0))
        return CallResult(True, word(1 if asked in (ERC165_ID, *supported) else 0))
    return answer


def erc20(symbol: str = "TOK", name: str = "Token", decimals: int = 6) -> dict[bytes, Answer]:
    return {
        selector("totalSupply()"): const(word(10**12)),
        selector("balanceOf(address)"): const(word(0)),
        selector("decimals()"): const(word(decimals)),
        selector("symbol()"): text(symbol),
        selector("name()"): text(name),
    }


def erc3643(symbol: str = "BOND", registry: str = "0x" + "0e" * 20, compliance: str = "0x" + "0c" * 20
            ) -> dict[bytes, Answer]:
    return {**erc20(symbol, "A bond", 0), selector("identityRegistry()"): const(address_word(registry)),
            selector("compliance()"): const(address_word(compliance))}


def erc721(symbol: str = "DEED") -> dict[bytes, Answer]:
    return {selector("supportsInterface(bytes4)"): interfaces(ERC721_ID), selector("balanceOf(address)"):
            const(word(0)), selector("symbol()"): text(symbol), selector("name()"): text("Deeds")}


def erc1155() -> dict[bytes, Answer]:
    return {selector("supportsInterface(bytes4)"): interfaces(ERC1155_ID)}


@dataclass
class FakeTokenChain:
    contracts: dict[str, dict[bytes, Answer]] = field(default_factory=dict)  # address -> selector -> answer
    logs: list[LogEntry] = field(default_factory=list)
    max_logs_range: int | None = None  # a node that refuses larger eth_getLogs ranges
    multicalls: list[int] = field(default_factory=list)  # calls per aggregate3
    code_asked: list[str] = field(default_factory=list)
    log_queries: list[tuple[str | None, tuple[bytes | None, ...], int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.contracts = {to_checksum(a): table for a, table in self.contracts.items()}

    @property
    def endpoint(self) -> str:
        return "fake"

    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader:
        number = HEAD if block == "latest" else int(block)
        return BlockHeader(number, number.to_bytes(32, "big"), 1_800_000_000, b"\0" * 32, None)

    def fetch_code(self, address: str, block: BlockRef = "latest") -> bytes:
        self.code_asked.append(address)
        return b"\x60\x00" if to_checksum(address) in self.contracts else b""

    def multicall(self, calls: list[Call], *, block: BlockRef = "latest") -> list[CallResult]:
        self.multicalls.append(len(calls))
        out = []
        for call in calls:
            table = self.contracts.get(to_checksum(call.target))
            if table is None:
                out.append(CallResult(True, b""))  # no code: every call succeeds with nothing
                continue
            answer = table.get(call.data[:4])
            out.append(answer(call.data[4:]) if answer else CallResult(False, b""))
        return out

    def fetch_logs(self, address: str | None, topics: list[bytes | None], from_block: int,
                   to_block: BlockRef = "latest") -> list[LogEntry]:
        last = HEAD if to_block == "latest" else int(to_block)
        self.log_queries.append((address, tuple(topics), from_block, last))
        if self.max_logs_range is not None and last - from_block + 1 > self.max_logs_range:
            raise RpcError("The node refused eth_getLogs: block range too large")
        found = []
        for log in self.logs:
            if address is not None and to_checksum(log.address) != to_checksum(address):
                continue
            if not from_block <= log.block_number <= last or len(topics) > len(log.topics):
                continue
            if all(t is None or log.topics[i] == t for i, t in enumerate(topics)):
                found.append(log)
        return found


def transfer_log(token: str, sender: str, receiver: str, amount: int, block: int, index: int = 0) -> LogEntry:
    return LogEntry(to_checksum(token), (TRANSFER_TOPIC, address_word(sender), address_word(receiver)), word(amount),
                    block, bytes([block % 256, index]) * 16, index)


def transfer_single_log(token: str, sender: str, receiver: str, token_id: int, amount: int, block: int) -> LogEntry:
    return LogEntry(to_checksum(token), (TRANSFER_SINGLE_TOPIC, address_word(sender), address_word(sender),
                                         address_word(receiver)), word(token_id) + word(amount), block, b"\x01" * 32, 0)
