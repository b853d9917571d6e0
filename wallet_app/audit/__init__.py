"""The audit log: every action by every user, append-only and hash-chained, written in the same database transaction
as the change it records (SECURITY M1-M6). `entry` hashes, `log` appends and reads, `verify` walks the chain,
`export` writes CSV and JSON, `actions` names what can be logged."""
