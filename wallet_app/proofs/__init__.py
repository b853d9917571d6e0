"""Ownership proofs: EIP-1186 proof bundles that anyone checks against a block header, holding statements with a
proof per holding, and proof of reserves (a Merkle-sum tree of entitlements beside a proven balance).

Verification here trusts nothing but the bytes it is given and, when asked, headers from endpoints the user names.
"""
