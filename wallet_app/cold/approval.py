"""The EIP-712 message an approver signs to approve one transfer of an account vault, and the count of approvals
against the policy's approver list.

Domain:  EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
         name "Custos Account Vault", version "1", chainId = the vault's chain, verifyingContract = the account vault
Message: AccountVaultApproval(bytes32 txHash,uint256 nonce,bytes32 policyDigest)

`txHash` is the signing hash of the unsigned EIP-1559 transaction (wallet_app.cold.account_tx), `nonce` its nonce
(shown to the approver and bound again, so a hash cannot be presented as another nonce's), `policyDigest` the
policy in force when the approver approved: an approval counts only under that policy's approver list. An account
vault has no contract to check signatures, so the approver list is the policy's, checked online when the approval
is stored and again on the offline signer against its own copy of the signed policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.keys.signature import HALF_N, SECP256K1_N, recover_address
from wallet_app.policy.vault_section import PolicyVault

DOMAIN_NAME = "Custos Account Vault"
DOMAIN_VERSION = "1"
_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
APPROVAL_TYPE = "AccountVaultApproval(bytes32 txHash,uint256 nonce,bytes32 policyDigest)"
DOMAIN_TYPEHASH = keccak(_DOMAIN_TYPE.encode("ascii"))
APPROVAL_TYPEHASH = keccak(APPROVAL_TYPE.encode("ascii"))


class ApprovalRefused(WalletError, ValueError):
    """An approval that does not count: not an approver's, not over this transaction, malformed or repeated."""

    code = "approval_refused"


@dataclass(frozen=True, slots=True)
class AccountApproval:
    chain_id: int
    vault: str  # EIP-55, the account vault
    tx_hash: bytes  # the unsigned transaction's signing hash
    nonce: int
    policy_digest: bytes

    def domain_separator(self) -> bytes:
        return keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                             [DOMAIN_TYPEHASH, keccak(DOMAIN_NAME.encode()), keccak(DOMAIN_VERSION.encode()),
                              self.chain_id, to_checksum(self.vault)]))

    def struct_hash(self) -> bytes:
        return keccak(encode(["bytes32", "bytes32", "uint256", "bytes32"],
                             [APPROVAL_TYPEHASH, self.tx_hash, self.nonce, self.policy_digest]))

    def digest(self) -> bytes:
        return keccak(b"\x19\x01" + self.domain_separator() + self.struct_hash())

    def typed_data(self) -> dict[str, object]:
        """The message as EIP-712 JSON (for eth_signTypedData_v4 and ERC-4527 data type 2)."""
        return {
            "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                       {"name": "chainId", "type": "uint256"},
                                       {"name": "verifyingContract", "type": "address"}],
                      "AccountVaultApproval": [{"name": "txHash", "type": "bytes32"},
                                               {"name": "nonce", "type": "uint256"},
                                               {"name": "policyDigest", "type": "bytes32"}]},
            "primaryType": "AccountVaultApproval",
            "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": self.chain_id,
                       "verifyingContract": to_checksum(self.vault)},
            "message": {"txHash": "0x" + self.tx_hash.hex(), "nonce": self.nonce,
                        "policyDigest": "0x" + self.policy_digest.hex()},
        }


def recover_approver(approval: AccountApproval, signature: bytes) -> str:
    """Who signed `approval`: a 65-byte r || s || v signature, low-s (EIP-2), v 27 or 28."""
    if len(signature) != 65:
        raise ApprovalRefused("an approval signature is 65 bytes (r, s, v)")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= HALF_N:
        raise ApprovalRefused("the approval signature is malformed (v must be 27 or 28, s in the lower half)")
    return recover_address(approval.digest(), r, s, v - 27)


def count_approvals(vault: PolicyVault, approval: AccountApproval,
                    signatures: Iterable[tuple[str, bytes]]) -> tuple[str, ...]:
    """The distinct approvers, in the policy's order, whose signatures over `approval` are valid. Each signature is
    given with the address it claims; a signature that recovers to another address, an address not among the
    vault's approvers or a second signature from the same approver is refused: a queue that carries one is not to be
    trusted as a whole."""
    if approval.vault != vault.address or not vault.is_account:
        raise ApprovalRefused(f"{approval.vault} is not this policy's account vault")
    seen: set[str] = set()
    for claimed, signature in signatures:
        signer = recover_approver(approval, signature)
        if signer != to_checksum(claimed):
            raise ApprovalRefused(f"an approval said to be {to_checksum(claimed)}'s was signed by {signer}")
        if signer not in vault.approvers:
            raise ApprovalRefused(f"{signer} is not an approver of {vault.label} under the policy in force")
        if signer in seen:
            raise ApprovalRefused(f"{signer} approved twice")
        seen.add(signer)
    return tuple(a for a in vault.approvers if a in seen)
