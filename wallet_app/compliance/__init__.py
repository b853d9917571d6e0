"""The compliance desk: counterparties and proofs that they own their addresses, the Travel Rule record of each
transfer (IVMS 101), and the documents Custos issues."""
