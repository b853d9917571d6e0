"""Deploying a new Safe vault: Safe 1.4.1 (L2 build, see `known_deployments.DeploymentSet`) through the canonical
SafeProxyFactory's `createProxyWithNonce(singleton, initializer, saltNonce)`, from one of the profile's keys.

Before anything is signed: the owners are distinct checksummed addresses and 1 <= threshold <= owners; the singleton,
the factory and the compatibility fallback handler have exactly the known code at their canonical addresses on the
profile's chain (otherwise the deployment is refused: Custos makes vaults only with the known deployments); the new
vault's address is predicted (CREATE2 of the factory) and has no code yet; gas is estimated and capped; the EIP-1559
fees are capped; the key holds enough for the worst case. After: the receipt succeeded and its ProxyCreation event
from the factory names the predicted address.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_hash.auto import keccak

from wallet_app.chain.client import ChainClient, Receipt
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.errors import ConfigError, TransactionRejected, WalletError
from wallet_app.keys.signer import Signer
from wallet_app.vaults.known_deployments import DeploymentSet, create2_address
from wallet_app.vaults.reader import NotASafe

ZERO = "0x0000000000000000000000000000000000000000"
SENTINEL = "0x0000000000000000000000000000000000000001"
MAX_OWNERS = 50
GWEI = 10**9
MAX_FEE_PER_GAS = 500 * GWEI  # F8: a fee quote above this is refused, never paid
MAX_PRIORITY_FEE = 50 * GWEI
MAX_DEPLOY_GAS = 2_000_000  # a 1.4.1 proxy with 50 owners needs about 1.3M; more means something is wrong
GAS_MARGIN_PERCENT = 25
PROXY_CREATION_TOPIC = keccak(b"ProxyCreation(address,address)")
SETUP_SIGNATURE = "setup(address[],uint256,address,bytes,address,address,uint256,address)"
CREATE_PROXY_SIGNATURE = "createProxyWithNonce(address,bytes,uint256)"


class SafeContractsMissing(WalletError):
    """The known Safe contracts are not on this chain at their canonical addresses."""

    code = "safe_contracts_missing"


class FeeTooHigh(WalletError):
    code = "fee_too_high"


class InsufficientFunds(WalletError):
    code = "insufficient_funds"


@dataclass(frozen=True, slots=True)
class DeployPlan:
    owners: tuple[str, ...]
    threshold: int
    salt_nonce: int
    initializer: bytes
    call_data: bytes  # createProxyWithNonce(...)
    predicted: str
    contracts: DeploymentSet


@dataclass(frozen=True, slots=True)
class SentDeployment:
    address: str
    tx_hash: bytes
    block_number: int
    gas_used: int
    sender: str


def check_owners(owners: Sequence[str], threshold: int) -> tuple[str, ...]:
    """Checksummed, distinct owners and a threshold between 1 and their number; ConfigError names what is wrong."""
    checked: list[str] = []
    for owner in owners:
        address = to_checksum(owner)
        if address in (ZERO, SENTINEL):
            raise ConfigError(f"{address} cannot be an owner of a Safe")
        if address in checked:
            raise ConfigError(f"{address} is listed twice; each owner is listed once")
        checked.append(address)
    if not checked:
        raise ConfigError("A vault needs at least one owner")
    if len(checked) > MAX_OWNERS:
        raise ConfigError(f"Custos deploys vaults with at most {MAX_OWNERS} owners")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= len(checked):
        raise ConfigError(f"The threshold must be from 1 to the number of owners ({len(checked)}); got {threshold}")
    return tuple(checked)


def plan_deployment(owners: Sequence[str], threshold: int, contracts: DeploymentSet,
                    salt_nonce: int | None = None) -> DeployPlan:
    checked = check_owners(owners, threshold)
    salt = secrets.randbits(64) if salt_nonce is None else salt_nonce
    if isinstance(salt, bool) or not 0 <= salt < 2**256:
        raise ConfigError("The salt nonce must be a whole number from 0 to 2**256 - 1")
    initializer = build_call(SETUP_SIGNATURE, list(checked), threshold, ZERO, b"", contracts.fallback_handler, ZERO, 0,
                             ZERO)
    call_data = build_call(CREATE_PROXY_SIGNATURE, contracts.singleton, initializer, salt)
    predicted = predict_safe_address(contracts.proxy_factory, contracts.singleton, initializer, salt,
                                     contracts.proxy_creation_code)
    return DeployPlan(checked, threshold, salt, initializer, call_data, predicted, contracts)


def predict_safe_address(factory: str, singleton: str, initializer: bytes, salt_nonce: int,
                         proxy_creation_code: bytes) -> str:
    """SafeProxyFactory 1.3.0/1.4.1: CREATE2(factory, keccak(keccak(initializer) . saltNonce), creationCode .
    uint256(singleton))."""
    salt = keccak(keccak(initializer) + salt_nonce.to_bytes(32, "big"))
    deployment = proxy_creation_code + encode(["address"], [singleton])
    return create2_address(factory, salt, deployment)


def verify_contracts_on_chain(client: ChainClient, contracts: DeploymentSet, chain_id: int) -> None:
    for address, expected in contracts.code_hashes.items():
        code = client.fetch_code(address)
        if not code:
            raise SafeContractsMissing(
                f"The Safe {contracts.version} contracts are not deployed at their canonical addresses on chain "
                f"{chain_id} (nothing at {address}); Custos deploys vaults only with the known Safe deployments")
        if keccak(code) != expected:
            raise SafeContractsMissing(
                f"The contract at {address} on chain {chain_id} is not the known Safe {contracts.version} code; "
                "Custos deploys vaults only with the known Safe deployments")


def send_deployment(client: ChainClient, chain_id: int, plan: DeployPlan, sender: str,
                    signer: Signer) -> SentDeployment:
    """Sign with `signer` (already unlocked) and send the createProxyWithNonce transaction; wait for its receipt."""
    factory = plan.contracts.proxy_factory
    if client.fetch_code(plan.predicted):
        raise ConfigError(f"A contract already exists at {plan.predicted}, where this vault would be created: the same "
                          "owners, threshold and salt nonce were used before; choose another salt nonce")
    gas = client.estimate_gas(sender, factory, plan.call_data) * (100 + GAS_MARGIN_PERCENT) // 100
    if gas > MAX_DEPLOY_GAS:
        raise FeeTooHigh(f"The node estimates {gas:,} gas for the deployment, above Custos's cap of "
                         f"{MAX_DEPLOY_GAS:,}; nothing was sent")
    fees = client.fetch_fees()
    priority = min(fees.priority_fee, MAX_PRIORITY_FEE)
    max_fee = 2 * fees.base_fee + priority
    if max_fee > MAX_FEE_PER_GAS:
        raise FeeTooHigh(f"The network asks up to {max_fee / GWEI:,.2f} gwei per gas, above Custos's cap of "
                         f"{MAX_FEE_PER_GAS // GWEI} gwei; nothing was sent")
    worst = gas * max_fee
    balance = client.fetch_balance(sender, "pending")
    if balance < worst:
        raise InsufficientFunds(f"{sender} holds {balance} wei; the deployment may cost up to {worst} wei "
                                f"({gas:,} gas at {max_fee} wei); nothing was sent")
    fields: dict[str, object] = {
        "type": 2, "chainId": chain_id, "nonce": client.fetch_transaction_count(sender, "pending"), "gas": gas,
        "maxPriorityFeePerGas": priority, "maxFeePerGas": max_fee, "value": 0, "data": plan.call_data,
        "to": to_checksum(factory),
    }
    raw = sign_eip1559(fields, signer)
    tx_hash = client.send_raw_transaction(raw)
    receipt = client.wait_for_receipt(tx_hash, timeout=120.0)
    return SentDeployment(created_proxy(receipt, plan), tx_hash, receipt.block_number, receipt.gas_used, sender)


def sign_eip1559(fields: dict[str, object], signer: Signer) -> bytes:
    """The raw signed EIP-1559 transaction: the key signs the transaction's own signing hash, built here."""
    from eth_account.typed_transactions.typed_transaction import TypedTransaction

    digest = TypedTransaction.from_dict(fields).hash()
    signature = signer.sign_digest(digest)
    signed = TypedTransaction.from_dict({**fields, "v": signature.recovery_id, "r": signature.r, "s": signature.s})
    return bytes(signed.encode())


def created_proxy(receipt: Receipt, plan: DeployPlan) -> str:
    tx = "0x" + receipt.transaction_hash.hex()
    if receipt.status != 1:
        raise TransactionRejected(f"The deployment transaction {tx} was mined but failed (status 0)")
    factory = plan.contracts.proxy_factory
    created = [from_bytes(log.topics[1][12:]) for log in receipt.logs
               if log.address == factory and len(log.topics) >= 2 and log.topics[0] == PROXY_CREATION_TOPIC]
    if created != [plan.predicted]:
        raise NotASafe(f"The deployment transaction {tx} did not create the vault at the predicted address "
                       f"{plan.predicted} (the factory reported {', '.join(created) or 'nothing'})")
    return plan.predicted

