"""The Approvals page's list of Safe messages: one row per message (state, vault, kind, "k of n signatures", proposer,
when, the whole SafeMessage hash in monospace). It holds prepared rows (ui.models.message_rows) and never calls a
service. Quarantine and flagged signatures colour the state in a warning tone, always with words; tooltips carry
outside text, so they are escaped (`plain_tooltip`)."""

from __future__ import annotations

from ui.models.message_rows import MessageColumn, MessageRow
from ui.models.prepared_rows import ROW_ROLE, StateRowsModel

MESSAGE_ROLE = ROW_ROLE  # the MessageRow of a row


class MessagesTableModel(StateRowsModel[MessageRow]):
    headers = {
        MessageColumn.STATE: ("State", "Where it stands now, from the owner signatures that verify now"),
        MessageColumn.VAULT: ("Vault", "The vault whose owners are asked to sign it (EIP-1271)"),
        MessageColumn.KIND: ("Kind", "What the message is (a holding statement: an account's holdings at one block)"),
        MessageColumn.SIGNATURES: ("Signatures", "Valid signatures of current owners against the vault's threshold"),
        MessageColumn.PROPOSER: ("Proposer", "Who asked for it, and when (the proposal record is signed by this key)"),
        MessageColumn.HASH: ("SafeMessage hash", "The hash the owners sign, in full"),
    }
    state_column = MessageColumn.STATE
    hash_column = MessageColumn.HASH
    hash_field = "message_hash"
