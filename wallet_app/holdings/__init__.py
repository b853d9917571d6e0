"""Holdings of tokenized assets: balances, frozen and free amounts, compliance state, prices and HKD value."""
