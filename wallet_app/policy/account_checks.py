"""What the policy checker needs to decide on a transfer from an account vault, which is not a Safe: the vault as the
policy defines it (approvers and threshold from [[vaults]], nonce and balance from the chain), the transaction's
fields as the rules see a Safe transaction's (a CALL from the vault, nothing else), and its simulation as a plain
call from the vault at the block of the check.

An account vault's transaction cannot change owners, modules or a guard (it has none), so the simulation reports
only whether it reverts; its fee must also be covered by the vault's own balance, which is checked here.
"""

from __future__ import annotations

from collections.abc import Mapping

from wallet_app.chain.client import BlockHeader, ChainClient
from wallet_app.domain.account_tx import ACCOUNT_VERSION, AccountTx
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import Operation, SafeTx
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import CallReverted
from wallet_app.policy.check_request import CheckInputError
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.facts import SimulationOutcome
from wallet_app.policy.simulation import decode_revert_reason


def account_vault_info(chain: ChainClient, policy: PolicyDocument | None, vault: str, tx: AccountTx, chain_id: int,
                       header: BlockHeader, names: Mapping[str, str]) -> VaultInfo:
    """The account vault at `header` as the policy in force defines it. With no policy in force the decision is a
    deny anyway: the vault is shown with no approvers."""
    address = to_checksum(vault)
    if tx.chain_id != chain_id:
        raise CheckInputError(f"The transaction is for chain {tx.chain_id}; this profile is on chain {chain_id}")
    entry = policy.vault(address) if policy is not None else None
    if policy is not None and (entry is None or not entry.is_account):
        raise CheckInputError(f"{address} is not an account vault of the policy in force (its [[vaults]] section)")
    on_chain = chain.fetch_transaction_count(address, header.number)
    if tx.nonce < on_chain:
        raise CheckInputError(f"Nonce {tx.nonce} of {address} is used already (its next nonce is {on_chain})")
    balance = chain.fetch_balance(address, header.number)
    label = entry.label if entry is not None else names.get(address, "")
    return VaultInfo(address=address, label=label, version=ACCOUNT_VERSION,
                     owners=entry.approvers if entry is not None else (),
                     threshold=entry.threshold if entry is not None else 1, nonce=on_chain, balance=balance,
                     block_number=header.number)


def account_view(vault: str, tx: AccountTx) -> SafeTx:
    """The transaction's fields as the rules read a Safe transaction's: a CALL from the vault at its nonce, with no
    gas refund. It is never hashed or signed as a SafeTx (its version says it is an account vault's)."""
    return SafeTx(safe=to_checksum(vault), chain_id=tx.chain_id, version=ACCOUNT_VERSION, to=tx.to, value=tx.value,
                  data=tx.data, operation=Operation.CALL, nonce=tx.nonce)


def simulate_account_tx(chain: ChainClient, vault: str, tx: AccountTx,
                        header: BlockHeader) -> tuple[SimulationOutcome, str]:
    """The transaction run as a call from the vault at `header`'s block, and its fee against the vault's balance."""
    where = f"simulated at block {header.number}"
    cost = tx.gas * tx.max_fee_per_gas + tx.value
    balance = chain.fetch_balance(vault, header.number)
    if balance < cost:
        reason = (f"the vault holds {balance} wei of the native coin, less than the {cost} wei its value and maximum "
                  "fee need")
        return SimulationOutcome(reverted=True, reason=reason, changed=(), changed_fields=frozenset()), \
            f"{where}: it cannot be paid ({reason})"
    try:
        chain.call(tx.to, tx.data, block=header.number, sender=vault, value=tx.value)
    except CallReverted as reverted:
        reason = decode_revert_reason(reverted.revert_data) or reverted.user_message
        return SimulationOutcome(reverted=True, reason=reason, changed=(), changed_fields=frozenset()), \
            f"{where}: it reverts ({reason})"
    return SimulationOutcome(reverted=False, reason="", changed=(), changed_fields=frozenset()), \
        f"{where}: it succeeds (an account vault has no owners, modules or guard to change)"
