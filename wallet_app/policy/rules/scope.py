"""Which transactions a rule is about: from which vaults, in which assets, of which kinds.

    when = { vaults = ["Harbour client vault"], assets = ["HKDH", "HMMF"], kinds = ["transfer"] }

`vaults` names contacts by label or addresses; `assets` names `[[assets]]` by symbol ("native" is the chain's coin
once listed there); `kinds` is any of transfer (the chain's coin and fungible tokens), nft_transfer, approval, call
(a call to a contract the policy lists, which moves no asset by itself). A condition left out matches everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from wallet_app.policy.rules.base import LEAF_KINDS, Book, Condition, Env, Leaf, Miss, Relation, set_relation
from wallet_app.policy.rules.parsing import ParseContext, Problem, expect_str_list, parse_address

KIND_WORDS = {"transfer": "transfers", "nft_transfer": "NFT transfers", "approval": "token approvals",
              "call": "contract calls"}


@dataclass(frozen=True, slots=True)
class Vaults(Condition):
    key: ClassVar[str] = "vaults"
    cost: ClassVar[int] = 0
    addresses: frozenset[str]
    miss: Miss = field(compare=False, repr=False)

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        return None if env.facts.safe in self.addresses else self.miss

    def describe(self, book: Book) -> str:
        return "from " + _names(book, self.addresses)

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, Vaults)
        return set_relation(self.addresses, other.addresses)

    @property
    def vault_keys(self) -> frozenset[str]:
        return self.addresses


def parse_vaults(value: object, ctx: ParseContext) -> Vaults:
    addresses = set()
    for entry in expect_str_list(value, "vaults", allow_single=True):
        if entry.startswith("0x"):
            addresses.add(parse_address(entry, "the vault", key="vaults"))
        elif entry in ctx.book.labels:
            addresses.add(ctx.book.labels[entry].address)
        else:
            raise Problem(f"vault '{entry}' is neither an address nor the label of a contact", key="vaults")
    frozen = frozenset(addresses)
    return Vaults(frozen, Miss("the transaction is from another vault than " + _names(ctx.book, frozen)))


@dataclass(frozen=True, slots=True)
class Assets(Condition):
    key: ClassVar[str] = "assets"
    cost: ClassVar[int] = 0
    keys: frozenset[str]
    miss: Miss = field(compare=False, repr=False)

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        return None if leaf.asset in self.keys else self.miss

    def describe(self, book: Book) -> str:
        return "of " + " or ".join(sorted(book.assets_by_key[k].symbol for k in self.keys))

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, Assets)
        return set_relation(self.keys, other.keys)

    @property
    def asset_keys(self) -> frozenset[str]:
        return self.keys


def parse_assets(value: object, ctx: ParseContext) -> Assets:
    keys = set()
    for symbol in expect_str_list(value, "assets", allow_single=True):
        asset = ctx.book.assets.get(symbol)
        if asset is None:
            raise Problem(f"asset '{symbol}' is not in [[assets]]: list it there with its address and decimals",
                          key="assets")
        keys.add(asset.key)
    frozen = frozenset(keys)
    symbols = " or ".join(sorted(ctx.book.assets_by_key[k].symbol for k in frozen))
    return Assets(frozen, Miss(f"it does not move {symbols}"))


@dataclass(frozen=True, slots=True)
class Kinds(Condition):
    key: ClassVar[str] = "kinds"
    cost: ClassVar[int] = 0
    kinds: frozenset[str]
    miss: Miss = field(compare=False, repr=False)

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        return None if leaf.kind in self.kinds else self.miss

    def describe(self, book: Book) -> str:
        return words(self.kinds)

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, Kinds)
        return set_relation(self.kinds, other.kinds)


def words(kinds: frozenset[str]) -> str:
    return " and ".join(KIND_WORDS[k] for k in LEAF_KINDS if k in kinds)


def parse_kinds(value: object, ctx: ParseContext) -> Kinds:
    kinds = expect_str_list(value, "kinds", allow_single=True)
    for kind in kinds:
        if kind not in LEAF_KINDS:
            raise Problem(f"unknown kind '{kind}': use {', '.join(LEAF_KINDS)}", key="kinds")
    frozen = frozenset(kinds)
    return Kinds(frozen, Miss(f"the rule is only about {words(frozen)}"))


def _names(book: Book, addresses: frozenset[str]) -> str:
    return " or ".join(sorted(book.name(a) or a for a in addresses))
