"""Reading Safe vaults: version, owners, threshold, nonce and native balance, all at one block in one call."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode

from wallet_app.chain.client import Call, CallResult, ChainClient
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import ChainError, ChainIdMismatch

_FIELDS = ("VERSION()", "getOwners()", "getThreshold()", "nonce()")


@dataclass(frozen=True, slots=True)
class VaultRef:
    address: str
    label: str


class NotASafe(ChainError):
    code = "not_a_safe"


def build_vault_calls(vaults: list[VaultRef]) -> list[Call]:
    calls = [
        Call(MULTICALL3_ADDRESS, build_call("getChainId()")),
        Call(MULTICALL3_ADDRESS, build_call("getBlockNumber()")),
    ]
    for vault in vaults:
        calls.extend(Call(vault.address, build_call(sig)) for sig in _FIELDS)
        calls.append(Call(MULTICALL3_ADDRESS, build_call("getEthBalance(address)", to_checksum(vault.address))))
    return calls


def decode_vault_results(
    vaults: list[VaultRef], results: list[CallResult], expected_chain_id: int
) -> list[VaultInfo]:
    chain_id = _one(results[0], "uint256", "Multicall3", "getChainId")
    if chain_id != expected_chain_id:
        raise ChainIdMismatch(
            f"The node answered for chain {chain_id}, but this profile is pinned to chain {expected_chain_id}"
        )
    block_number = _one(results[1], "uint256", "Multicall3", "getBlockNumber")
    infos = []
    per_vault = len(_FIELDS) + 1
    for i, vault in enumerate(vaults):
        version_r, owners_r, threshold_r, nonce_r, balance_r = results[2 + i * per_vault : 2 + (i + 1) * per_vault]
        infos.append(
            VaultInfo(
                address=to_checksum(vault.address),
                label=vault.label,
                version=str(_one(version_r, "string", vault.address, "VERSION")),
                owners=_owners(_one(owners_r, "address[]", vault.address, "getOwners")),
                threshold=_uint(_one(threshold_r, "uint256", vault.address, "getThreshold")),
                nonce=_uint(_one(nonce_r, "uint256", vault.address, "nonce")),
                balance=_uint(_one(balance_r, "uint256", vault.address, "balance")),
                block_number=_uint(block_number),
            )
        )
    return infos


def fetch_vault_infos(client: ChainClient, vaults: list[VaultRef], expected_chain_id: int) -> list[VaultInfo]:
    """Every vault at one block; the same batch proves the node is on the expected chain."""
    if not vaults:
        client.connect(expected_chain_id)
        return []
    return decode_vault_results(vaults, client.multicall(build_vault_calls(vaults)), expected_chain_id)


def _one(result: CallResult, abi_type: str, where: str, what: str) -> object:
    if not result.success or not result.data:
        raise NotASafe(f"{where} did not answer {what}(): it is not a Safe on this chain")
    try:
        (value,) = decode([abi_type], result.data)
    except Exception:  # eth_abi raises several unrelated types for bad input
        raise NotASafe(f"{where} answered {what}() with data that is not a Safe's") from None
    return value


def _uint(value: object) -> int:
    assert isinstance(value, int)
    return value


def _owners(value: object) -> tuple[str, ...]:
    assert isinstance(value, tuple)
    return tuple(to_checksum(str(owner)) for owner in value)
