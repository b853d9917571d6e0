"""Safe vaults: which ones the profile holds, and reading their state from the chain."""
