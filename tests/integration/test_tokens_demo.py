"""`custos tokens` on a fresh demo profile: add by address (refusals), discover the demo's spam airdrop flagged,
approve with a key and the demo password, remove; the lookalike is never merged with HKDH nor priced (E3)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)
from wallet_app.domain.network import DEVNET_CHAIN_ID
from wallet_app.holdings.model import Standard
from wallet_app.holdings.token_detect import TokenRefused, fetch_detected_token

DEMO_PASSWORD = "custos-demo"


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def runs(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every CLI run of this module, in order, before the devnet is opened in this process. `fresh` is a copy of
    the demo taken before any token command (there the spam token is added by hand and approved)."""
    fresh = tmp_path_factory.mktemp("fresh") / "home"
    shutil.copytree(demo_home, fresh)
    secrets = tmp_path_factory.mktemp("secrets")
    (secrets / "good").write_text(DEMO_PASSWORD + "\n")
    (secrets / "bad").write_text("not the password\n")
    registry = as_json(custos(demo_home, "tokens", "list", "--json"))
    keys = as_json(custos(demo_home, "keys", "list", "--json"))
    vaults = as_json(custos(demo_home, "vaults", "list", "--json"))
    alice = next(k["address"] for k in keys if k["label"].startswith("Alice"))
    out: dict[str, Any] = {"registry": registry, "alice": alice, "vaults": vaults}
    out["add_known"] = {t["symbol"]: custos(demo_home, "tokens", "add", t["address"], check=False) for t in registry}
    out["add_known_lower"] = custos(demo_home, "tokens", "add", registry[0]["address"].lower(), check=False)
    out["add_bad"] = custos(demo_home, "tokens", "add", "0x123", check=False)
    out["add_eoa"] = custos(demo_home, "tokens", "add", alice, check=False)
    out["add_vault"] = custos(demo_home, "tokens", "add", vaults[0]["address"], check=False)
    out["discover"] = as_json(custos(demo_home, "tokens", "discover", "--json"))
    out["discover_again"] = as_json(custos(demo_home, "tokens", "discover", "--json"))
    out["list_after"] = as_json(custos(demo_home, "tokens", "list", "--json"))
    out["table"] = custos(demo_home, "tokens", "list").stdout
    out["holdings"] = as_json(custos(demo_home, "holdings", "--json"))
    spam = out["discover"]["added"][0]["address"]
    out["spam"] = spam
    out["remove_registry"] = custos(demo_home, "tokens", "remove", registry[0]["address"], check=False)
    out["remove_spam"] = custos(demo_home, "tokens", "remove", spam, check=False)
    out["list_removed"] = as_json(custos(demo_home, "tokens", "list", "--json"))
    out["rediscover"] = as_json(custos(demo_home, "tokens", "discover", "--json"))
    # the fresh copy: the spam contract added by its address, then approved
    out["fresh_add"] = as_json(custos(fresh, "tokens", "add", spam, "--json"))
    out["fresh_add_again"] = custos(fresh, "tokens", "add", spam, check=False)
    approve = ("tokens", "approve", spam, "--key", alice, "--password-file")
    out["approve_bad"] = custos(fresh, *approve, str(secrets / "bad"), check=False)
    out["approve_stranger"] = custos(fresh, "tokens", "approve", spam, "--key", vaults[0]["address"], "--password-file",
                                  str(secrets / "good"), check=False)
    out["approve"] = as_json(custos(fresh, *approve, str(secrets / "good"), "--json"))
    out["approve_text"] = custos(fresh, *approve, str(secrets / "good"), check=False)
    out["remove_approved"] = custos(fresh, "tokens", "remove", spam, check=False)
    out["fresh_list"] = as_json(custos(fresh, "tokens", "list", "--json"))
    return out


def one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("custos: ") and result.stderr.strip().count("\n") == 0, result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr


def test_the_demo_registry_is_reviewed(runs: dict[str, Any]) -> None:
    symbols = {t["symbol"]: t for t in runs["registry"]}
    assert {"HKDH", "HMMF", "HGB29", "HDEED", "HFSC"} <= set(symbols)
    assert all(t["reviewed"] and t["source"] == "registry" and t["spam_reason"] == "" for t in runs["registry"])


def test_adding_an_address_already_in_the_registry_is_refused(runs: dict[str, Any]) -> None:
    for symbol, result in runs["add_known"].items():
        one_line_error(result, "is already in the token registry (reviewed, registry)")
        assert symbol  # every demo token, whatever its standard
    one_line_error(runs["add_known_lower"], "already in the token registry")


def test_adding_what_is_not_a_token_is_refused(runs: dict[str, Any]) -> None:
    one_line_error(runs["add_bad"], "'0x123' is not an address")
    one_line_error(runs["add_eoa"], "no contract at this address")
    one_line_error(runs["add_vault"], "not a token standard Custos reads")


def test_E3_discover_finds_the_spam_airdrop_flagged(runs: dict[str, Any]) -> None:
    found = runs["discover"]
    hkdh = next(t for t in runs["registry"] if t["symbol"] == "HKDH")
    assert found["accounts"] >= 10 and found["head"] > 0 and found["contracts"] >= 6
    (spam,) = found["added"]
    assert (spam["symbol"], spam["standard"], spam["decimals"], spam["source"], spam["reviewed"]) == (
        "HKDH", "erc20", 6, "discovered", False)
    assert spam["address"] != hkdh["address"]
    assert f"its symbol reads like HKDH, the reviewed token at {hkdh['address']}" in spam["spam_reason"]
    assert "unsolicited: the profile's accounts only received it and never sent any" in spam["spam_reason"]
    assert runs["discover_again"]["added"] == []  # known now: never added twice
    assert len(runs["list_after"]) == len(runs["registry"]) + 1
    assert "UNREVIEWED" in runs["table"] and "spam: its symbol reads like HKDH" in runs["table"]


def test_E3_the_lookalike_is_never_merged_with_hkdh_nor_priced(runs: dict[str, Any]) -> None:
    report, spam = runs["holdings"], runs["spam"]
    vault = next(v["address"] for v in runs["vaults"] if v["label"] == "Harbour client vault")
    rows = [h for h in report["holdings"] if h["symbol"] == "HKDH" and h["account"] == vault]
    fake = next(h for h in rows if h["asset"] == spam)
    real = next(h for h in rows if h["asset"] != spam)
    assert (fake["balance"], fake["verified_token"], fake["price"], fake["value_hkd"]) == (8_888, False, None, None)
    assert real["verified_token"] is True and real["price"] is not None and real["balance"] > 10**12


def test_remove_only_unreviewed_tokens_and_discover_again(runs: dict[str, Any]) -> None:
    one_line_error(runs["remove_registry"], "is a reviewed token; only unreviewed tokens are removed")
    assert runs["remove_spam"].returncode == 0 and "Removed the unreviewed token" in runs["remove_spam"].stdout
    assert [t["address"] for t in runs["list_removed"]] == [t["address"] for t in runs["registry"]]
    assert [t["address"] for t in runs["rediscover"]["added"]] == [runs["spam"]]


def test_add_by_address_detects_and_flags_the_fresh_contract(runs: dict[str, Any]) -> None:
    added = runs["fresh_add"]
    assert (added["address"], added["standard"], added["symbol"], added["decimals"]) == (runs["spam"], "erc20",
                                                                                         "HKDH", 6)
    assert (added["source"], added["reviewed"], added["reviewed_by"]) == ("added", False, None)
    assert "reads like HKDH" in added["spam_reason"] and "unsolicited" not in added["spam_reason"]
    one_line_error(runs["fresh_add_again"], "already in the token registry (unreviewed, added)")


def test_approve_with_a_profile_key_and_the_demo_password(runs: dict[str, Any]) -> None:
    from eth_account import Account
    from eth_account.messages import encode_defunct

    one_line_error(runs["approve_bad"], "password is wrong")
    one_line_error(runs["approve_stranger"], "not one of this profile's keys")
    approval = runs["approve"]
    token = approval["token"]
    assert token["reviewed"] and token["reviewed_by"] == runs["alice"] and token["reviewed_at"]
    assert token["spam_reason"] == runs["fresh_add"]["spam_reason"]  # kept on record
    lines = approval["message"].splitlines()
    assert lines[1:] == [f"Chain id: {DEVNET_CHAIN_ID}", f"Token: {runs['spam']}", "Standard: erc20", "Symbol: HKDH",
                         "Decimals: 6"]
    signer = Account.recover_message(encode_defunct(text=approval["message"]),
                                     signature=bytes.fromhex(approval["signature"][2:]))
    assert signer == runs["alice"]
    one_line_error(runs["approve_text"], "already reviewed")
    one_line_error(runs["remove_approved"], "is a reviewed token")
    fresh = {t["address"]: t for t in runs["fresh_list"]}
    assert fresh[runs["spam"]]["reviewed"] and fresh[runs["spam"]]["source"] == "added"


def test_each_demo_standard_is_detected(demo_home: Path, runs: dict[str, Any]) -> None:
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(demo_home, "demo")
    services = build_services(profile)
    try:
        for token in runs["registry"]:
            detected = fetch_detected_token(services.chain, token["address"])
            assert detected.standard is Standard(token["standard"]), token["symbol"]
            assert detected.symbol == token["symbol"]
            if token["standard"] in ("erc20", "erc3643"):
                assert detected.decimals == token["decimals"]
        labels = profile.load_labels()
        feed = next(a for a, label in labels.items() if label.label == "HMMF NAV feed")
        compliance = next(a for a, label in labels.items() if label.label == "Bond compliance")
        for address in (feed, compliance):
            with pytest.raises(TokenRefused, match="not a token standard"):
                fetch_detected_token(services.chain, address)
    finally:
        services.close()
        profile.close()
