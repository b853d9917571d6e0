"""A vault's set-up as a QR code for an offline signer: the online desktop shows the facts it read from the chain as a
`custos-vault` UR, the offline signer reads them instead of having them typed, and the officer still compares the
fingerprint on both screens before anything is anchored (the code could have been swapped on the way).

CBOR map: {1: chain id, 2: vault (20 bytes), 3: Safe version (text), 4: owners (array of 20-byte strings),
5: threshold, 6: label (text)}.
"""

from __future__ import annotations

from wallet_app.domain.addresses import from_bytes
from wallet_app.ur.cbor import dumps, loads
from wallet_app.ur.errors import URError
from wallet_app.ur.ur import UR
from wallet_app.vaults.anchors import VaultFacts, vault_facts

UR_TYPE = "custos-vault"


def setup_ur(facts: VaultFacts) -> UR:
    return UR(UR_TYPE, dumps({1: facts.chain_id, 2: bytes.fromhex(facts.address[2:]), 3: facts.version,
                              4: [bytes.fromhex(o[2:]) for o in facts.owners], 5: facts.threshold,
                              6: facts.label}))


def facts_from_setup(ur: UR) -> VaultFacts:
    if ur.type != UR_TYPE:
        raise URError(f"This is a UR of type '{ur.type[:40]}', not a vault set-up ({UR_TYPE})")
    item = loads(ur.cbor, max_depth=3, max_items=200)
    if not isinstance(item, dict) or set(item) != {1, 2, 3, 4, 5, 6}:
        raise URError("The vault set-up must be a map with the keys 1 to 6")
    chain_id, vault, version, owners, threshold, label = (item[k] for k in range(1, 7))
    if not isinstance(chain_id, int) or not isinstance(vault, bytes) or len(vault) != 20 or \
            not isinstance(version, str) or not isinstance(owners, list) or not isinstance(threshold, int) or \
            not isinstance(label, str) or isinstance(chain_id, bool) or isinstance(threshold, bool):
        raise URError("A field of the vault set-up has the wrong type")
    if not all(isinstance(o, bytes) and len(o) == 20 for o in owners):
        raise URError("An owner in the vault set-up is not 20 bytes")
    return vault_facts(chain_id, from_bytes(vault), version, [from_bytes(o) for o in owners], threshold, label)
