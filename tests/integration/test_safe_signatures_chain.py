"""A13, A14 on real Safe contracts, on the embedded devnet and on anvil (the same tests on both).

* two ECDSA signatures and an approved hash (v = 1) verified, packed by `encode_for_execution`, and accepted by a real
  `execTransaction` that moves a little native coin;
* EIP-1271 with a Safe owning a Safe: a 1-of-1 Safe 1.4.1 is an owner of a 1.4.1 vault (the legacy
  `isValidSignature(bytes,bytes)` entry point with the EIP-712 pre-image) and of a 1.5.0 vault (the
  `isValidSignature(bytes32,bytes)` one); a wrong inner signature makes the owner Safe revert; the packed signatures
  with the contract's dynamic part execute;
* A14: an owner removed on chain while their signature waits in the queue no longer counts ("stale approver"), and
  the vault itself refuses the old set just the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi.abi import decode, encode
from eth_account import Account
from eth_hash.auto import keccak

from tests.integration.conftest import ANVIL_CHAIN_ID, rpc
from wallet_app.chain.client import ChainClient, Receipt
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.demo.deployer import Deployer
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes
from wallet_app.domain.network import DEVNET_CHAIN_ID
from wallet_app.domain.safe_tx import (
    ZERO_ADDRESS,
    Operation,
    SafeTx,
    build_exec_transaction,
    compute_domain_hash,
    compute_hashes,
)
from wallet_app.errors import CallReverted
from wallet_app.safe.signatures import (
    CoSignature,
    Flag,
    SignatureKind,
    SignatureTally,
    approved_hash_signature,
    contract_signature,
    count_valid,
    fetch_owner_set,
)

ETHER = 10**18
PAYMENT = 10**15
SENTINEL = "0x0000000000000000000000000000000000000001"
SAFE_MSG_TYPEHASH = keccak(b"SafeMessage(bytes message)")


def key(name: str) -> bytes:
    return keccak(f"custos signatures chain test {name}".encode())


ISSUER, ALICE, BEN, CARMEN, DAVE, STRANGER = (key(n) for n in ("issuer", "alice", "ben", "carmen", "dave", "x"))


def address(private_key: bytes) -> str:
    return str(Account.from_key(private_key).address)


def ecdsa(private_key: bytes, digest: bytes) -> bytes:
    signed = Account.unsafe_sign_hash(digest, private_key)
    return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])


@dataclass
class World:
    backend: str
    client: ChainClient
    chain_id: int
    deployer: Deployer
    contracts: dict[str, str]
    salt: int = 100

    def create_safe(self, owners: list[str], threshold: int, version: str = "1.4.1", fund: int = ETHER) -> str:
        self.salt += 1
        singleton = self.contracts[f"singleton {version}"]
        setup = build_call("setup(address[],uint256,address,bytes,address,address,uint256,address)", owners,
                           threshold, ZERO_ADDRESS, b"", self.contracts["fallback_handler"], ZERO_ADDRESS, 0,
                           ZERO_ADDRESS)
        receipt = self.deployer.send(self.contracts["proxy_factory"], "createProxyWithNonce(address,bytes,uint256)",
                                     singleton, setup, self.salt)
        created = keccak(b"ProxyCreation(address,address)")
        safe = next(from_bytes(log.topics[1][12:]) for log in receipt.logs if log.topics[0] == created)
        if fund:
            self.deployer.send(safe, "", value=fund)
        return safe

    def transfer(self, safe: str, nonce: int, version: str = "1.4.1", to: str | None = None) -> SafeTx:
        return SafeTx(safe=safe, chain_id=self.chain_id, version=version, to=to or address(STRANGER),
                      value=PAYMENT, data=b"", operation=Operation.CALL, nonce=nonce)

    def execute(self, tx: SafeTx, signatures: bytes, sender: bytes = ISSUER) -> Receipt:
        receipt = sign_and_send(self.client, sender, self.chain_id,
                                OutgoingTx(to=tx.safe, data=build_exec_transaction(tx, signatures)))
        success = keccak(b"ExecutionSuccess(bytes32,uint256)")
        assert any(log.topics and log.topics[0] == success for log in receipt.logs), "execution failed on chain"
        return receipt

    def tally(self, tx: SafeTx, signatures: Any, block: int | None = None) -> SignatureTally:
        """k of n for `tx` against the owner set read at `block` (the latest by default), at that same block."""
        owner_set = fetch_owner_set(self.client, tx.safe, "latest" if block is None else block)
        return count_valid(compute_hashes(tx), signatures, owner_set.owners, owner_set.threshold, self.client,
                           tx.safe, owner_set.block, version=tx.version)


def deploy_contracts(deployer: Deployer) -> dict[str, str]:
    from safe_eth.eth.contracts import load_contract_interface

    deployed = {}
    for label, file in (("singleton 1.4.1", "Safe_V1_4_1.json"), ("singleton 1.5.0", "Safe_V1_5_0.json"),
                        ("proxy_factory", "ProxyFactory_V1_4_1.json"),
                        ("fallback_handler", "CompatibilityFallbackHandler_V1_4_1.json")):
        interface = load_contract_interface(file)
        deployed[label] = deployer.deploy(bytes.fromhex(str(interface["bytecode"]).removeprefix("0x")),
                                          interface["abi"])
    return deployed


FUNDED = {address(k): 1_000 * ETHER for k in (ISSUER, ALICE, BEN, CARMEN)}


@pytest.fixture(scope="module", params=["devnet", "anvil"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if request.param == "devnet":
        from wallet_app.chain.devnet import Devnet, DevnetProvider

        with Devnet.create(tmp_path_factory.mktemp("devnet") / "chain", chain_id=DEVNET_CHAIN_ID,
                           alloc=FUNDED) as devnet:
            client = Web3ChainClient(provider=DevnetProvider(devnet), endpoint="in-process")
            deployer = Deployer(client, DEVNET_CHAIN_ID, ISSUER)
            yield World("devnet", client, DEVNET_CHAIN_ID, deployer, deploy_contracts(deployer))
        return
    from web3 import HTTPProvider

    url = request.getfixturevalue("anvil_url")
    for who, amount in FUNDED.items():
        rpc(url, "anvil_setBalance", [who, hex(amount)])
    client = Web3ChainClient(provider=HTTPProvider(url), endpoint=url)
    deployer = Deployer(client, ANVIL_CHAIN_ID, ISSUER)
    yield World("anvil", client, ANVIL_CHAIN_ID, deployer, deploy_contracts(deployer))


def check_signatures_on_chain(world: World, tx: SafeTx, signatures: bytes) -> None:
    """Safe's own checkSignatures (1.4.1) over the same hash: raises CallReverted where the vault would refuse."""
    hashes = compute_hashes(tx)
    preimage = b"\x19\x01" + hashes.domain_hash + hashes.message_hash
    world.client.call(tx.safe, build_call("checkSignatures(bytes32,bytes,bytes)", hashes.safe_tx_hash, preimage,
                                          signatures))


# -- ECDSA + approved hash, executed ----------------------------------------------------------------------------

def test_A13_two_ecdsa_and_an_approved_hash_are_accepted_by_execTransaction(world: World) -> None:
    owners = [address(ALICE), address(BEN), address(CARMEN)]
    vault = world.create_safe(owners, 3)
    tx = world.transfer(vault, nonce=0)
    hashes = compute_hashes(tx)
    on_chain = world.client.call(vault, build_call(
        "getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,uint256)",
        tx.to, tx.value, tx.data, 0, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS, 0))
    assert on_chain == hashes.safe_tx_hash  # our hash from the raw fields is the vault's own

    rows = [CoSignature(ecdsa(BEN, hashes.safe_tx_hash), address(BEN)),
            CoSignature(approved_hash_signature(address(CARMEN)), address(CARMEN)),
            CoSignature(ecdsa(ALICE, hashes.safe_tx_hash), address(ALICE))]
    before = world.tally(tx, rows)
    assert before.valid_count == 2 and not before.met
    (not_yet,) = before.flagged
    assert not_yet.flag is Flag.NOT_APPROVED and not_yet.signer == address(CARMEN)
    block_before = world.client.fetch_block_number()

    sign_and_send(world.client, CARMEN, world.chain_id,
                  OutgoingTx(to=vault, data=build_call("approveHash(bytes32)", hashes.safe_tx_hash)))
    after = world.tally(tx, rows)
    assert after.met and after.valid_count == 3 and after.flagged == ()
    assert {c.kind for c in after.counted} == {SignatureKind.ECDSA, SignatureKind.APPROVED_HASH}
    assert world.tally(tx, rows, block=block_before).valid_count == 2

    packed = after.encode_for_execution()
    check_signatures_on_chain(world, tx, packed)
    # Safe would also take Alice's malleated twin (it never looks at s); Custos does not count it.
    alice = ecdsa(ALICE, hashes.safe_tx_hash)
    twin = alice[:32] + (0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
                         - int.from_bytes(alice[32:64], "big")).to_bytes(32, "big") + bytes([55 - alice[64]])
    check_signatures_on_chain(world, tx, packed.replace(alice, twin))
    assert world.tally(tx, packed.replace(alice, twin)).valid_count == 2

    payee_before = world.client.fetch_balance(tx.to)
    world.execute(tx, packed)
    assert world.client.fetch_balance(tx.to) == payee_before + PAYMENT
    assert decode(["uint256"], world.client.call(vault, build_call("nonce()")))[0] == 1


# -- EIP-1271: a Safe owning a Safe -----------------------------------------------------------------------------

def owner_safe_message_hash(world: World, owner_safe: str, message: bytes) -> bytes:
    """What the owner Safe's CompatibilityFallbackHandler checks its own owners' signatures against."""
    domain = compute_domain_hash(owner_safe, world.chain_id, "1.4.1")
    struct = keccak(encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, keccak(message)]))
    return keccak(b"\x19\x01" + domain + struct)


@pytest.fixture(scope="module")
def owner_safe(world: World) -> str:
    """A 1-of-1 Safe 1.4.1 owned by Dave's key."""
    return world.create_safe([address(DAVE)], 1, fund=0)


@pytest.mark.parametrize("version", ["1.4.1", "1.5.0"])
def test_A13_eip1271_a_safe_owning_a_safe(world: World, owner_safe: str, version: str) -> None:
    vault = world.create_safe([address(ALICE), owner_safe], 2, version=version)
    tx = world.transfer(vault, nonce=0, version=version)
    hashes = compute_hashes(tx)
    preimage = b"\x19\x01" + hashes.domain_hash + hashes.message_hash
    # Below 1.5.0 the vault hands the owner the pre-image; from 1.5.0 the hash (the handler wraps it in abi.encode).
    message = hashes.safe_tx_hash if version == "1.5.0" else preimage
    other_message = preimage if version == "1.5.0" else hashes.safe_tx_hash
    inner = ecdsa(DAVE, owner_safe_message_hash(world, owner_safe, message))
    alice = CoSignature(ecdsa(ALICE, hashes.safe_tx_hash), address(ALICE))

    result = world.tally(tx, [CoSignature(contract_signature(owner_safe, inner), owner_safe), alice])
    assert result.met and result.flagged == (), result.flagged
    (contract,) = [c for c in result.counted if c.kind is SignatureKind.CONTRACT]
    assert contract.signer == owner_safe and contract.signature.contract_data == inner

    for bad_inner in (ecdsa(STRANGER, owner_safe_message_hash(world, owner_safe, message)),  # not the owner's key
                      ecdsa(DAVE, owner_safe_message_hash(world, owner_safe, other_message)),  # the other entry's
                      inner[:40]):  # cut short
        refused = world.tally(tx, [contract_signature(owner_safe, bad_inner)]).checks[0]
        assert not refused.valid and refused.flag is Flag.CONTRACT_REVERTED, refused
        assert refused.safe_error == "GS024"

    packed = result.encode_for_execution()
    assert len(packed) == 2 * 65 + 32 + len(inner)
    payee_before = world.client.fetch_balance(tx.to)
    world.execute(tx, packed)
    assert world.client.fetch_balance(tx.to) == payee_before + PAYMENT


# -- A14: an owner removed on chain -----------------------------------------------------------------------------

def test_A14_an_owner_removed_on_chain_is_a_stale_approver(world: World) -> None:
    owners = [address(ALICE), address(BEN), address(CARMEN)]
    vault = world.create_safe(owners, 2)
    queued = world.transfer(vault, nonce=1)  # waits in the queue behind the owner change
    queued_hash = compute_hashes(queued).safe_tx_hash
    rows = [CoSignature(ecdsa(ALICE, queued_hash), address(ALICE)), CoSignature(ecdsa(BEN, queued_hash), address(BEN))]
    block_before = world.client.fetch_block_number()
    assert world.tally(queued, rows).met

    on_chain_owners = fetch_owner_set(world.client, vault).owners
    index = on_chain_owners.index(address(BEN))
    previous = SENTINEL if index == 0 else on_chain_owners[index - 1]
    removal = SafeTx(safe=vault, chain_id=world.chain_id, version="1.4.1", to=vault, value=0,
                     data=build_call("removeOwner(address,address,uint256)", previous, address(BEN), 2),
                     operation=Operation.CALL, nonce=0)
    removal_hash = compute_hashes(removal).safe_tx_hash
    approvals = world.tally(removal, [ecdsa(ALICE, removal_hash), ecdsa(CARMEN, removal_hash)])
    world.execute(removal, approvals.encode_for_execution())
    assert address(BEN) not in fetch_owner_set(world.client, vault).owners

    stale = world.tally(queued, rows)
    assert stale.valid_count == 1 and not stale.met
    (flagged,) = stale.flagged
    assert flagged.signer == address(BEN) and flagged.flag is Flag.STALE_APPROVER
    assert "stale approver" in flagged.reason
    assert world.tally(queued, rows, block=block_before).met  # as it was at that block

    # The vault agrees: the old pair no longer executes.
    old_pair = world.tally(queued, rows, block=block_before).encode_for_execution()
    with pytest.raises(CallReverted):
        world.client.call(vault, build_exec_transaction(queued, old_pair), sender=address(ISSUER))
    rows.append(CoSignature(ecdsa(CARMEN, queued_hash), address(CARMEN)))
    fresh = world.tally(queued, rows)
    assert fresh.met and fresh.valid_count == 2
    world.execute(queued, fresh.encode_for_execution())
