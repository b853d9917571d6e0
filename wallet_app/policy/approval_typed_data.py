"""The EIP-712 message an officer signs to approve (or reject) a policy change, hashed by our own pure code.

Domain:  EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
         name "Custos Policy", version "1", chainId = the profile's chain, verifyingContract = the governance vault
         whose owners decide the change (the active policy's vault; the policy's own vault for a profile's first).
Message: PolicyApproval(bytes32 policyDigest,uint256 policyVersion,bytes32 previousDigest,uint256 signedAt)
         PolicyRejection(bytes32 policyDigest,uint256 policyVersion,bytes32 previousDigest,uint256 signedAt)

`policyDigest` is keccak-256 of the policy file's UTF-8 text; `previousDigest` that of the policy in force when the
change was proposed (zero for a profile's first policy), so an approval says "replace this policy by that one" and
cannot be moved to another policy, another predecessor, another vault or another chain. `signedAt` (seconds since
the epoch) is signed so that the cooling-off delay of a loosening change, counted from the signatures, cannot be
shortened by editing a timestamp in the database. The signature is over
keccak256(0x19 0x01 || domainSeparator || hashStruct(message)); tests cross-check it against eth-account.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from eth_abi.abi import encode
from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum

DOMAIN_NAME = "Custos Policy"
DOMAIN_VERSION = "1"
ZERO_DIGEST = bytes(32)

_DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_FIELDS = "(bytes32 policyDigest,uint256 policyVersion,bytes32 previousDigest,uint256 signedAt)"
DOMAIN_TYPEHASH = keccak(_DOMAIN_TYPE.encode("ascii"))


class PolicyAction(Enum):
    APPROVE = "PolicyApproval"
    REJECT = "PolicyRejection"

    @property
    def type_string(self) -> str:
        return self.value + _FIELDS

    @property
    def typehash(self) -> bytes:
        return keccak(self.type_string.encode("ascii"))


@dataclass(frozen=True, slots=True)
class PolicyVote:
    """What one signature says about one policy change."""

    action: PolicyAction
    chain_id: int
    vault: str  # the governance vault (verifyingContract)
    policy_digest: bytes
    policy_version: int
    previous_digest: bytes  # ZERO_DIGEST for a profile's first policy
    signed_at: int  # seconds since the epoch, UTC

    def __post_init__(self) -> None:
        if len(self.policy_digest) != 32 or len(self.previous_digest) != 32:
            raise ValueError("policy digests are 32 bytes")
        for name, value in (("chain id", self.chain_id), ("policy version", self.policy_version),
                            ("signing time", self.signed_at)):
            if not 0 <= value < 2**256:
                raise ValueError(f"the {name} must be a uint256")


def compute_domain_separator(chain_id: int, vault: str) -> bytes:
    return keccak(encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [DOMAIN_TYPEHASH, keccak(DOMAIN_NAME.encode()), keccak(DOMAIN_VERSION.encode()), chain_id,
         to_checksum(vault)],
    ))


def compute_struct_hash(vote: PolicyVote) -> bytes:
    return keccak(encode(
        ["bytes32", "bytes32", "uint256", "bytes32", "uint256"],
        [vote.action.typehash, vote.policy_digest, vote.policy_version, vote.previous_digest, vote.signed_at],
    ))


def compute_vote_digest(vote: PolicyVote) -> bytes:
    """The 32 bytes a key signs."""
    return keccak(b"\x19\x01" + compute_domain_separator(vote.chain_id, vote.vault) + compute_struct_hash(vote))


def build_typed_data(vote: PolicyVote) -> dict[str, Any]:
    """The same message as EIP-712 JSON (eth_signTypedData_v4), for an external or offline signer to show."""
    fields = [
        {"name": "policyDigest", "type": "bytes32"},
        {"name": "policyVersion", "type": "uint256"},
        {"name": "previousDigest", "type": "bytes32"},
        {"name": "signedAt", "type": "uint256"},
    ]
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            vote.action.value: fields,
        },
        "primaryType": vote.action.value,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": vote.chain_id,
                   "verifyingContract": to_checksum(vote.vault)},
        "message": {"policyDigest": "0x" + vote.policy_digest.hex(), "policyVersion": vote.policy_version,
                    "previousDigest": "0x" + vote.previous_digest.hex(), "signedAt": vote.signed_at},
    }
