"""The user-supplied ABIs of one profile, in one JSON file in a directory the caller chooses, replaced atomically.

File format: {"format": 1, "abis": {"<checksummed address>": "<the ABI JSON text as supplied>"}}. Every ABI is
validated again when loaded: a file edited by hand into something invalid is refused, not half-used.
"""

from __future__ import annotations

import json
from pathlib import Path

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import InvalidAddress
from wallet_app.policy.errors import InvalidUserAbi
from wallet_app.policy.user_abis import MAX_ABI_BYTES, UserAbi, parse_user_abi
from wallet_app.storage.atomic import write_atomic

FILE_NAME = "user_abis.json"
FORMAT = 1
MAX_CONTRACTS = 500


class UserAbiBook:
    def __init__(self, *, directory: Path) -> None:
        self._path = directory / FILE_NAME

    @property
    def path(self) -> Path:
        return self._path

    def load_all(self) -> dict[str, UserAbi]:
        """Checksummed contract address -> its ABI; empty when nothing was saved yet."""
        return {address: parse_user_abi(address, text) for address, text in self._load_texts().items()}

    def save_abi(self, address: str, abi_text: str) -> UserAbi:
        """Validate `abi_text` for `address` and store it, replacing an earlier ABI of that contract."""
        abi = parse_user_abi(address, abi_text)
        texts = self._load_texts()
        texts[abi.address] = abi.source
        if len(texts) > MAX_CONTRACTS:
            raise InvalidUserAbi(f"at most {MAX_CONTRACTS} contracts can have a user-supplied ABI")
        self._write(texts)
        return abi

    def remove_abi(self, address: str) -> bool:
        texts = self._load_texts()
        if texts.pop(to_checksum(address), None) is None:
            return False
        self._write(texts)
        return True

    def _load_texts(self) -> dict[str, str]:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return {}
        if len(raw) > MAX_CONTRACTS * MAX_ABI_BYTES * 2:
            raise InvalidUserAbi(f"{self._path.name} is too large to be a file of user ABIs")
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidUserAbi(f"{self._path.name} is not valid JSON; it was not written by Custos") from None
        abis = document.get("abis") if isinstance(document, dict) and document.get("format") == FORMAT else None
        if not isinstance(abis, dict) or not all(isinstance(v, str) for v in abis.values()):
            raise InvalidUserAbi(f"{self._path.name} is not a file of user ABIs (format {FORMAT})")
        try:
            texts = {to_checksum(address): text for address, text in abis.items()}
        except InvalidAddress as exc:
            raise InvalidUserAbi(f"{self._path.name}: {exc.user_message}") from None
        if len(texts) != len(abis):
            raise InvalidUserAbi(f"{self._path.name} lists one contract twice")
        return texts

    def _write(self, texts: dict[str, str]) -> None:
        document = {"format": FORMAT, "abis": dict(sorted(texts.items()))}
        write_atomic(self._path, (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
