"""Who an actor is, for the audit log: a label and a role, read from the profile's own records in the appending
transaction. Descriptive only (the entry's hash covers what was written; nothing is decided from it):
- label: the key's label, else the address book's;
- role: the roles of the policy in force that name the address (e.g. "compliance-officer"), and "owner of <vault>"
  for each vault it owned at the last vault read. The policy text is parsed, not re-verified (that needs the chain);
  an unreadable one gives no roles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Engine, select

from wallet_app.domain.vaults import VaultInfo
from wallet_app.storage.schema import key_events, keys, labels, policies

LoadVaults = Callable[[], Sequence[VaultInfo]]


class ProfileActors:
    def __init__(self, *, chain_id: int, load_vaults: LoadVaults | None = None) -> None:
        self._chain_id = chain_id
        self._load_vaults = load_vaults
        self._roles: tuple[str, dict[str, tuple[str, ...]]] | None = None  # (policy text, address -> roles)

    def __call__(self, conn: Connection, actor: str) -> tuple[str, str]:
        wanted = actor.lower()
        label = conn.execute(select(keys.c.label).where(keys.c.address == actor)).scalar()
        if label is None:
            label = conn.execute(select(labels.c.label).where(
                labels.c.chain_id == self._chain_id, labels.c.address == actor)).scalar()
        roles = list(self._policy_roles(conn).get(wanted, ()))
        roles += [f"owner of {v.label or v.address}" for v in self._vaults() if wanted in {o.lower() for o in v.owners}]
        return str(label or "")[:120], ", ".join(roles)[:240]

    def _vaults(self) -> Sequence[VaultInfo]:
        if self._load_vaults is None:
            return ()
        try:
            return self._load_vaults()
        except Exception:  # an unreadable snapshot names no owners; it is reported where it is shown
            return ()

    def _policy_roles(self, conn: Connection) -> dict[str, tuple[str, ...]]:
        text = conn.execute(select(policies.c.text).where(
            policies.c.chain_id == self._chain_id, policies.c.state == "active").limit(1)).scalar()
        if text is None:
            return {}
        if self._roles is not None and self._roles[0] == text:
            return self._roles[1]
        from wallet_app.policy.document import PolicyFileError, parse_policy

        by_address: dict[str, list[str]] = {}
        try:
            document = parse_policy(str(text), source="the policy in force")
        except PolicyFileError:
            return {}
        for name, role in sorted(document.book.roles.items()):
            for member in role.members:
                by_address.setdefault(member.lower(), []).append(name)
        result = {address: tuple(names) for address, names in by_address.items()}
        self._roles = (str(text), result)
        return result


def load_key_addresses(engine: Engine) -> frozenset[str]:
    """Every address that is or ever was a key of the profile (deleted keys stay in `key_events`), lower case."""
    with engine.connect() as conn:
        held = {str(a).lower() for a in conn.execute(select(keys.c.address)).scalars()}
        held |= {str(a).lower() for a in conn.execute(select(key_events.c.address).distinct()).scalars()}
    return frozenset(held)
