"""The rules of a policy, one short module per family.

Conditions of `[[rules]]` (they decide whether a rule matches one transfer, approval or call of a transaction):
`scope` (vaults, assets, kinds), `destinations` (the allowlist and the cooling-off of new contacts), `limits` (per
transfer, in the asset and in HKD), `velocity` (rolling windows), `window` (time of day and calendar), `fees` (the
executor's fee cap). `conditions` is their registry; `base` holds what they share.

Hard blocks (checked on every transaction before any `[[rules]]`, each always listed with its verdict): `integrity`
(chain, signed fields, decoding problems), `delegatecall`, `governance`, `refund`, `approvals`, `blind`, `lookalike`,
`denylist`, `compliance` (ERC-3643), `simulation`. Each is a pure function of the policy and the facts.
"""
