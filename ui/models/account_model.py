"""The Approvals page's list of account-vault transfers: one row per transfer (state, vault, nonce, the transfer in
words, "k of n approvals" with names, proposer, the whole signing hash in monospace). It holds prepared rows
(ui.models.account_rows) and never calls a service. A quarantine colours the state in a warning tone, always with
words; tooltips carry outside text, so they are escaped (`plain_tooltip`)."""

from __future__ import annotations

from ui.models.account_rows import AccountColumn, AccountRow
from ui.models.prepared_rows import ROW_ROLE, StateRowsModel

ACCOUNT_ROLE = ROW_ROLE  # the AccountRow of a row


class AccountsTableModel(StateRowsModel[AccountRow]):
    headers = {
        AccountColumn.STATE: ("State", "Where it stands now, from the approvals that verify under the policy in force"),
        AccountColumn.VAULT: ("Vault", "The account vault that sends (its approvers and threshold are in the policy)"),
        AccountColumn.NONCE: ("Nonce", "The vault's account nonce the transaction uses"),
        AccountColumn.TRANSFER: ("Transfer", "What it does, decoded from the transaction's own fields"),
        AccountColumn.APPROVALS: ("Approvals", "Approvals that count now against the vault's threshold, by whom"),
        AccountColumn.PROPOSER: ("Proposer", "Who proposed it (the proposal record is signed by this key)"),
        AccountColumn.HASH: ("Signing hash", "The unsigned transaction's signing hash (in full in the tooltip and "
                                             "the dialogs): the offline signer shows the same"),
    }
    numeric = frozenset({AccountColumn.NONCE})
    state_column = AccountColumn.STATE
    hash_column = AccountColumn.HASH
    hash_field = "tx_hash"
