"""Issue 15 on a real anvil node: the demo institution with its cold vault (a key ceremony on an offline signer
profile of the same data directory, 2 of 3 share files) deployed on anvil as tests/integration/test_queue_cli_anvil.py
does (its `anvil_desk` fixture, a fresh node for this module), and the policy letting the cold vault empty into the
client vault: a cold transfer by the command line from proposal to final, then a sweep of everything left."""

from __future__ import annotations

from tests.integration.conftest import rpc
from tests.integration.test_queue_cli_anvil import SIGNER, AnvilDesk, anvil_desk, custos, ok

__all__ = ["anvil_desk"]  # the module's fixture: the demo institution on this module's own anvil node


def test_a_cold_transfer_by_cli_on_anvil(anvil_desk: AnvilDesk) -> None:
    """Issue 15 on anvil: Dana proposes 1,000,000 HKDH from the cold vault to the client vault, Alice and Ben approve,
    the offline signer profile signs with Alice's and Carmen's shares, and the signed transaction is sent."""
    from wallet_app.demo.demo_cold import SHARE_PASSPHRASES, SHARES_DIR

    desk = anvil_desk
    hkdh, cold, vault = desk.names["HKDH"], desk.names["cold"], desk.names["vault"]
    before = desk.balance(hkdh, vault), desk.balance(hkdh, cold)
    proposed = ok(desk.run("account-vault", "propose", "--vault", cold, "--asset", hkdh, "--amount", "1000000",
                           "--to", vault, *desk.signing("Dana"), "--json")).json()
    assert proposed["queued"] and proposed["decision"]["decision"] == "allow"
    tx_hash = proposed["item"]["tx_hash"]
    for officer in ("Alice", "Ben"):
        ok(desk.run("account-vault", "approve", tx_hash, *desk.signing(officer)))
    request, answer = desk.home.parent / "cold.request", desk.home.parent / "cold.answer"
    ok(desk.run("account-vault", "request", tx_hash, "--out", str(request)))
    shares: list[str] = []
    for index in (0, 2):  # Alice's and Carmen's shares
        secret = desk.home.parent / f"share-{index}.pass"
        secret.write_text(SHARE_PASSPHRASES[index] + "\n")
        shares += ["--share", str(next((desk.home / SHARES_DIR).glob(f"{index + 1}-of-3-*"))),
                   "--passphrase-file", str(secret)]
    signed = custos(desk.home, "cold", "sign", str(request), *shares, "--out", str(answer), "--confirm", tx_hash,
                    profile=SIGNER)
    assert signed.code == 0, signed.err
    ok(desk.run("offline", "import", str(answer)))
    sent = ok(desk.run("account-vault", "send", tx_hash, "--wait", "30", "--json")).json()
    assert (sent["state"], sent["outcome"]) == ("final", "success")
    assert (desk.balance(hkdh, vault), desk.balance(hkdh, cold)) == (before[0] + 10**12, before[1] - 10**12)


def test_a_sweep_empties_the_cold_vault_into_another_vault(anvil_desk: AnvilDesk) -> None:
    """`cold sweep`: every asset of the cold vault proposed to the client vault (tokens first, the native coin last,
    less every transfer's maximum fee); each approved, signed with two shares and sent; the cold vault is left with
    no token and only what the fees did not use."""
    from wallet_app.demo.demo_cold import SHARE_PASSPHRASES, SHARES_DIR

    desk = anvil_desk
    hkdh, cold, vault = desk.names["HKDH"], desk.names["cold"], desk.names["vault"]
    token_before = desk.balance(hkdh, vault) + desk.balance(hkdh, cold)
    swept = ok(desk.run("cold", "sweep", cold, "--to", vault, *desk.signing("Dana"), "--json")).json()
    assert [line["symbol"] for line in swept] == ["HKDH", "HMMF", "HSK"] and all(line["queued"] for line in swept)
    assert [line["nonce"] for line in swept] == sorted(line["nonce"] for line in swept)
    shares: list[str] = []
    for index in (1, 2):  # Ben's and Carmen's shares this time
        secret = desk.home.parent / f"sweep-share-{index}.pass"
        secret.write_text(SHARE_PASSPHRASES[index] + "\n")
        shares += ["--share", str(next((desk.home / SHARES_DIR).glob(f"{index + 1}-of-3-*"))),
                   "--passphrase-file", str(secret)]
    for number, line in enumerate(swept):
        tx_hash = line["tx_hash"]
        for officer in ("Alice", "Ben"):
            ok(desk.run("account-vault", "approve", tx_hash, *desk.signing(officer)))
        request, answer = desk.home.parent / f"sweep-{number}.request", desk.home.parent / f"sweep-{number}.answer"
        ok(desk.run("account-vault", "request", tx_hash, "--out", str(request)))
        signed = custos(desk.home, "cold", "sign", str(request), *shares, "--out", str(answer), "--confirm",
                        tx_hash, profile=SIGNER)
        assert signed.code == 0, signed.err
        ok(desk.run("offline", "import", str(answer)))
        sent = ok(desk.run("account-vault", "send", tx_hash, "--wait", "30", "--json")).json()
        assert (sent["state"], sent["outcome"]) == ("final", "success")
    assert desk.balance(hkdh, cold) == 0 and desk.balance(hkdh, vault) == token_before
    left = int(rpc(desk.url, "eth_getBalance", [cold, "latest"]), 16)
    assert 0 <= left < 10**16  # only fees' leftovers: the 10 HSK went to the client vault
