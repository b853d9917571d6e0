"""Officers' keys: one `Signer` protocol over encrypted keystores, PKCS#11 HSMs and watch-only addresses."""
