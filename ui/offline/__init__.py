"""The offline signer's window: an air-gapped machine that reviews sign requests from its own anchored vaults and
imported policy, signs after the officer confirmed the safeTxHash, and never builds a chain client or opens a
network socket (wallet_app.offline)."""
