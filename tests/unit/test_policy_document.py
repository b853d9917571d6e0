"""The policy file: what it holds once parsed, its digest, its rules in plain words, and every way a bad file is
refused with its line and a reason a compliance officer can act on (issue 5, "Bad input"; B3, B4, I2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_hash.auto import keccak
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.test_policy_rules import (
    ADDRESSES,
    ALICE,
    BEN,
    CARMEN,
    CLIENT,
    KOWLOON,
    POLICY,
    TREASURY,
    address,
    make_policy,
    policy_text,
)
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.errors import ConfigError, WalletError
from wallet_app.policy.document import PolicyFileError, fill_policy_template, parse_denylist, parse_policy
from wallet_app.policy.rules.base import NATIVE
from wallet_app.policy.rules.parsing import eip55

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "policy" / "demo-policy.toml"


def refuse(text: str) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(text, source="policy.toml")
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def replaced(old: str, new: str, count: int = 1) -> str:
    text = policy_text()
    assert old in text, old
    return text.replace(old, new, count)


# -- what a good file gives ------------------------------------------------------------------------------------------


def test_a_policy_file_is_parsed_into_its_parts() -> None:
    text = policy_text()
    policy = parse_policy(text)
    assert (policy.version, policy.chain_id, policy.timezone, policy.zone_name) == (1, 1770177, "Asia/Hong_Kong",
                                                                                   "HKT")
    assert policy.text == text and policy.digest == keccak(text.encode("utf-8"))
    assert policy.digest_hex == "0x" + keccak(text.encode()).hex()
    assert (policy.governance.vault, policy.governance.quorum, policy.governance.delay_seconds) == (TREASURY, 3,
                                                                                                   48 * 3600)
    assert policy.loosening_delay_seconds == 24 * 3600 and policy.require_simulation
    assert policy.denylist_file == "sanctions.txt" and [str(d) for d in policy.closed_days] == ["2026-12-25"]
    assert [r.id for r in policy.rules][:3] == ["deny-pending-kyc", "small-hkdh", "large-hkdh"]
    assert policy.book.roles["treasury-officer"].members == {ALICE, BEN}
    assert policy.book.assets["ETH"].key == NATIVE and policy.book.assets["HGB29"].permissioned
    assert policy.book.contacts[KOWLOON].kind == "investor"
    small = policy.rules[1]
    assert small.approvals == 2 and small.fee_cap_wei == 100 * 10**9 and small.vaults == {CLIENT}


def test_the_digest_covers_every_byte() -> None:
    text = policy_text()
    assert make_policy().digest != parse_policy(text + "\n").digest
    assert parse_policy(text).digest == parse_policy(text).digest


def test_rules_in_plain_words() -> None:
    lines = make_policy().describe_rules()
    assert lines[0] == "Deny anything to Pending KYC Ltd"
    assert lines[1] == (
        "Allow transfers of HKDH from Client Vault to investors, up to 50,000.00 HKDH and HKD 50,000.00 per transfer, "
        "once the destination has been a contact for 72 hours, on weekdays 09:00-18:00 HKT except closed days, while "
        "the vault sends at most HKD 200,000.00 in any 24 hours, with a network fee of at most 100 gwei per gas, with "
        "2 approvals besides the proposer")
    assert "including a compliance-officer" in lines[2]


def test_the_error_type_is_a_config_error_with_a_line() -> None:
    error = refuse("[policy]\nversion = = 3\n")
    assert isinstance(error, ConfigError) and isinstance(error, WalletError) and isinstance(error, ValueError)
    assert error.code == "policy_file" and error.line == 2


# -- bad input: each refused with the line and the reason ----------------------------------------------------------


def test_syntax_error_names_line_and_column() -> None:
    text = replaced("quorum = 3", "quorum = 3 3")
    error = refuse(text)
    assert error.line == line_of(text, "quorum = 3 3")
    assert error.user_message.startswith(f"policy.toml, line {error.line}: not valid TOML")
    assert "column" in error.user_message


def test_unknown_table_is_refused() -> None:
    text = policy_text() + '\n[[limits]]\nasset = "HKDH"\n'
    error = refuse(text)
    assert "unknown table 'limits'" in error.reason and error.line == line_of(text, "[[limits]]")


def test_unknown_rule_type_is_refused_with_its_line() -> None:
    text = replaced('when = { destinations = ["Pending KYC Ltd"] }',
                    'when = { destinations = ["Pending KYC Ltd"], geofence = "HK" }')
    error = refuse(text)
    assert "unknown rule type 'geofence'" in error.reason and "rule 'deny-pending-kyc'" in error.reason
    assert error.line == line_of(text, "geofence")


def test_unknown_key_in_a_rule_suggests_the_right_one() -> None:
    text = replaced("max_gas_price_gwei = 100", "max_gas_price_gwie = 100")
    error = refuse(text)
    assert "unknown key 'max_gas_price_gwie'" in error.reason and "did you mean 'max_gas_price_gwei'" in error.reason
    assert error.line == line_of(text, "max_gas_price_gwie")


def test_unknown_action_is_refused() -> None:
    text = replaced('action = "escalate"', 'action = "permit"')
    error = refuse(text)
    assert "unknown action 'permit'" in error.reason and error.line == line_of(text, '"permit"')


def test_I2_shadowed_rule_with_identical_conditions_is_refused() -> None:
    duplicate = '\n[[rules]]\nid = "again"\naction = "allow"\nwhen = { destinations = ["Pending KYC Ltd"] }\n'
    text = policy_text() + duplicate
    error = refuse(text)
    assert "rule 'again' can never match: the earlier rule 'deny-pending-kyc'" in error.reason
    assert error.line == line_of(text, 'id = "again"') - 1


def test_I2_rule_below_a_rule_without_conditions_is_refused() -> None:
    text = replaced('when = { destinations = ["Pending KYC Ltd"] }\n', "")
    error = refuse(text)
    assert "the earlier rule 'deny-pending-kyc'" in error.reason and "has no conditions" in error.reason
    assert "rule 'small-hkdh' can never match" in error.reason


def test_I2_specific_block_below_a_broad_allow_is_refused() -> None:
    broad = '[[rules]]\nid = "broad"\naction = "allow"\nwhen = { destinations = "contacts:investor" }\n\n'
    text = replaced('[[rules]]\nid = "deny-pending-kyc"', broad + '[[rules]]\nid = "deny-pending-kyc"')
    error = refuse(text)
    assert "rule 'deny-pending-kyc' can never match: the earlier rule 'broad'" in error.reason
    assert "Move the narrower rule above the broader one" in error.reason


@pytest.mark.parametrize(("old", "new", "why"), [
    ('max_amount = { ETH = "10", HKDH = "5000000" }', 'max_amount = { ETH = "10", HKDX = "5000000" }',
     "a limit in 'HKDX', which is not in [[assets]]"),
    ('assets = ["HMMF"]', 'assets = ["HMMX"]', "asset 'HMMX' is not in [[assets]]"),
    ('velocity = { period_hours = 168, max_amount = { HMMF = "90000" } }',
     'velocity = { period_hours = 168, max_amount = { HKDX = "90000" } }', "velocity sets a limit in 'HKDX'"),
])
def test_limit_in_an_unknown_asset_is_refused(old: str, new: str, why: str) -> None:
    text = replaced(old, new)
    error = refuse(text)
    assert why in error.reason and error.line == line_of(text, new)


def flip_case(address: str) -> str:
    index = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    return address[:index] + address[index].swapcase() + address[index + 1:]


def test_B3_contact_with_a_bad_checksum_is_refused_with_its_line() -> None:
    bad = flip_case(KOWLOON)
    text = replaced(f'address = "{KOWLOON}"', f'address = "{bad}"')
    error = refuse(text)
    assert "bad EIP-55 checksum" in error.reason and "Kowloon Pension Trust" in error.reason
    assert error.line == line_of(text, bad)


@given(st.binary(min_size=20, max_size=20))
def test_B3_fast_checksum_agrees_with_the_domain_one(raw: bytes) -> None:
    lower = "0x" + raw.hex()
    assert eip55(lower) == to_checksum(lower) == from_bytes(raw)
    assert eip55("0x" + raw.hex().upper()) == from_bytes(raw)


@pytest.mark.parametrize("written", [KOWLOON.lower(), "0x" + KOWLOON[2:].upper()])
def test_B3_address_without_its_checksum_is_refused(written: str) -> None:
    error = refuse(replaced(f'address = "{KOWLOON}"', f'address = "{written}"'))
    assert "not written with its EIP-55 checksum" in error.reason


@pytest.mark.parametrize("written", [
    KOWLOON[:5] + "\u0430" + KOWLOON[6:],  # Cyrillic a
    KOWLOON + "\u200b",  # zero-width space
    KOWLOON + "\u00a0",  # no-break space
    " " + KOWLOON,
    KOWLOON[:5] + "\uff11" + KOWLOON[6:],  # full-width digit one
])
def test_B4_unicode_and_spaces_in_an_address_are_refused(written: str) -> None:
    error = refuse(replaced(f'address = "{KOWLOON}"', f'address = "{written}"'))
    assert "is not an address: expected 0x followed by 40 hex digits and nothing else" in error.reason


def test_duplicate_rule_id_is_refused() -> None:
    text = replaced('id = "bond"', 'id = "small-hkdh"')
    error = refuse(text)
    assert "rule id 'small-hkdh' is used twice" in error.reason
    assert error.line == [n for n, line in enumerate(text.splitlines(), 1) if line == 'id = "small-hkdh"'][1]


def test_duplicate_contacts_are_refused() -> None:
    text = replaced(f'address = "{address("newco")}"', f'address = "{KOWLOON}"')
    assert "have the same address" not in refuse(text).reason  # address is compared as itself
    assert "[[contacts]] entries 3 and 4 have address" in refuse(text).reason


@pytest.mark.parametrize("version", ["0", "-1", '"3"', "3.0", "true"])
def test_version_must_be_a_positive_whole_number(version: str) -> None:
    text = replaced("version = 1", f"version = {version}")
    error = refuse(text)
    assert "version must be a whole number above 0" in error.reason and error.line == 2


@pytest.mark.parametrize(("old", "new", "why"), [
    ('max_amount = "50000.00"', "max_amount = 50000.5", "inexact float"),
    ('roles = ["compliance-officer"]\n[rules.when]', 'roles = ["auditor"]\n[rules.when]', "role 'auditor'"),
    ('when = { destinations = ["Pending KYC Ltd"] }', 'when = { destinations = ["Pending KYC Ltd"] }\napprovals = 2',
     "denies, so 'approvals' means nothing"),
    ('from = "09:00", to = "18:00"', 'from = "18:00", to = "09:00"', "from must be before to"),
    ('timezone = "Asia/Hong_Kong"', 'timezone = "Hong Kong"', "not an IANA time zone"),
    ('id = "bond"', 'id = "delegatecall"', "name of a built-in check"),
    ('file = "sanctions.txt"', 'file = "../sanctions.txt"', "plain file name"),
    ('destinations = "contacts:vault"', 'destinations = "contacts:bank"', "contacts are of kind"),
    ('destinations = "contacts:vault"', 'destinations = "Unknown Bank"', "not a contact's label"),
    ('kinds = ["call"]', 'kinds = ["swap"]', "unknown kind 'swap'"),
    ('kinds = ["call"]', 'kinds = ["call"], assets = ["HKDH"]', "only about contract calls, which move no asset"),
    ('added = 2025-03-10', 'added = 2025-03-10T00:00:00', "needs a time zone"),
])
def test_other_mistakes_are_refused_with_a_reason(old: str, new: str, why: str) -> None:
    assert why in refuse(replaced(old, new)).reason


def test_line_of_a_bad_entry_deep_in_a_long_file() -> None:
    contacts = "".join(f'\n[[contacts]]\nlabel = "Investor {i}"\naddress = "{address(f"investor {i}")}"\n'
                       f'kind = "investor"\nadded = 2025-01-01\n' for i in range(1000))
    bad = flip_case(address("investor 777"))
    text = policy_text().replace("\n[[assets]]", contacts.replace(address("investor 777"), bad) + "\n[[assets]]", 1)
    error = refuse(text)
    assert error.line == line_of(text, bad) and "Investor 777" in error.reason


# -- denylist files and templates ----------------------------------------------------------------------------------


def test_denylist_file_is_read_strictly() -> None:
    listed = parse_denylist(f"# OFAC extract\n{CARMEN.lower()}  # lower case is fine here\n\n{BEN}\n")
    assert listed == {CARMEN, BEN}
    with pytest.raises(PolicyFileError) as caught:
        parse_denylist(f"{BEN}\n{flip_case(ALICE)}\n", source="sanctions.txt")
    assert caught.value.line == 2 and "sanctions.txt, line 2" in caught.value.user_message
    with pytest.raises(PolicyFileError):
        parse_denylist("0x1234\n")


def test_template_placeholders_must_all_be_filled() -> None:
    with pytest.raises(PolicyFileError) as caught:
        fill_policy_template(POLICY, {k: v for k, v in ADDRESSES.items() if k != "dex"})
    assert "no value for the placeholder {dex}" in caught.value.reason
    assert caught.value.line == line_of(POLICY, "{dex}")


# -- the demo institution's policy --------------------------------------------------------------------------------


def demo_values() -> dict[str, str]:
    names = set(re.findall(r"\{([a-z][a-z0-9_]*)\}", DEMO.read_text(encoding="utf-8")))
    return {name: address(f"demo {name}") for name in names}


def test_demo_policy_parses_and_reads_in_plain_words() -> None:
    template = DEMO.read_text(encoding="utf-8")
    policy = parse_policy(fill_policy_template(template, demo_values()), source=DEMO.name)
    assert policy.chain_id == 1770177 and policy.version == 1
    assert len(policy.rules) == len(policy.describe_rules()) >= 8
    assert {c.kind for c in policy.contacts} == {"vault", "investor"}
    keys = {c.key for r in policy.rules for c in r.conditions}
    assert keys == {"vaults", "assets", "kinds", "destinations", "max_amount", "max_hkd", "window", "velocity",
                    "cooling_off_hours", "max_gas_price_gwei"}  # every rule type is exercised
    assert {r.action for r in policy.rules} == {"allow", "escalate", "deny"}
    assert policy.book.roles["compliance-officer"].members == {address("demo carmen")}


# -- [statements]: who may ask a vault's owners to sign a holding statement -----------------------------------------

STATEMENTS = '[denylist]\nfile = "sanctions.txt"\n\n[statements]\nrequesters = ["compliance-officer"]\nvalid_days = 7\n'


def test_statements_name_the_roles_that_may_ask_and_for_how_long() -> None:
    from wallet_app.policy.compare import compare_policies
    from wallet_app.proofs.signed_statement import StatementNotAllowed, require_requester

    before = parse_policy(policy_text())
    assert before.statements is None  # without the table nobody may ask
    with pytest.raises(StatementNotAllowed, match="lets nobody ask"):
        require_requester(before, CARMEN)
    after = parse_policy(replaced('[denylist]\nfile = "sanctions.txt"\n', STATEMENTS))
    assert after.statements is not None and after.statements.requesters == ("compliance-officer",)
    assert require_requester(after, CARMEN) == 7
    with pytest.raises(StatementNotAllowed, match="none of the roles"):
        require_requester(after, ALICE)
    changes = [c for c in compare_policies(before, after) if "version" not in c.text]
    assert [(c.direction, "compliance-officer" in c.text) for c in changes] == [("loosens", True)]
    assert default_days() == 30


def default_days() -> int:
    text = replaced('[denylist]\nfile = "sanctions.txt"\n', STATEMENTS.replace("valid_days = 7\n", ""))
    statements = parse_policy(text).statements
    assert statements is not None
    return statements.valid_days


@pytest.mark.parametrize(("table", "why"), [
    ('requesters = ["nobody"]', "names role 'nobody', which is not in [[roles]]"),
    ('requesters = ["compliance-officer"]\nvalid_days = 0', "valid_days"),
    ('requesters = ["compliance-officer"]\nvalid_days = 400', "valid_days is at most 366"),
    ('valid_days = 7', "requesters"),
    ('requesters = ["compliance-officer"]\nsigners = 2', "signers"),
])
def test_a_bad_statements_table_is_refused_with_its_line(table: str, why: str) -> None:
    denylist = '[denylist]\nfile = "sanctions.txt"\n'
    text = replaced(denylist, f"{denylist}\n[statements]\n{table}\n")
    error = refuse(text)
    assert why in error.reason and error.line is not None
