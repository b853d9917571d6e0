"""The demo institution: a fictional Hong Kong custodian on the embedded devnet."""
