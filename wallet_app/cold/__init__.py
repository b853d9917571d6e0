"""Cold vaults: plain accounts whose key no single person or device holds at rest (SLIP-39 shares)."""
