"""Safe multisig work above the pure hashes of `wallet_app.domain.safe_tx`: verifying the signatures co-signers send
(`signatures`), the signing journal that every signature Custos produces goes through first (`journal`), and
signing a SafeTx bound to the hash the person was shown (`signing`)."""
