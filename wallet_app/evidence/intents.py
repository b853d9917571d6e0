"""A transfer's decoded intent for an evidence pack: decoded from its raw fields by Custos's own decoder under the
policy it was decided under (the policy of its last recorded decision; else the one in force, else none), named with
the policy's contacts and assets and the profile's labels and tokens. Pure: no chain, no decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wallet_app.domain.safe_tx import SafeTx
from wallet_app.holdings.registry import TokenEntry
from wallet_app.policy.decoder import decode_tx
from wallet_app.policy.document import PolicyDocument, PolicyFileError, parse_policy
from wallet_app.policy.governance import ACTIVE, PolicyRecord
from wallet_app.policy.intent_json import build_describer, intent_to_json
from wallet_app.policy.policy_decoding import decode_for_policy


class IntentReader:
    def __init__(self, *, policies: Sequence[PolicyRecord], tokens: Sequence[TokenEntry], labels: Mapping[str, str],
                 native: tuple[str, int]) -> None:
        self._records = {r.digest: r for r in policies}
        self._active = next((r.digest for r in policies if r.state == ACTIVE), None)
        self._tokens = {t.address: t for t in tokens}
        self._facts = {t.address: (t.symbol, t.decimals) for t in tokens}
        self._labels = dict(labels)
        self._native = native
        self._parsed: dict[str, PolicyDocument | None] = {}

    def _document(self, digest: str | None) -> tuple[PolicyRecord | None, PolicyDocument | None]:
        record = self._records.get(digest or "") or self._records.get(self._active or "")
        if record is None:
            return None, None
        if record.digest not in self._parsed:
            try:
                self._parsed[record.digest] = parse_policy(record.text, source=f"policy version {record.version}")
            except PolicyFileError:
                self._parsed[record.digest] = None
        return record, self._parsed[record.digest]

    def read(self, tx: SafeTx, policy_digest: str | None) -> dict[str, Any]:
        """The intent as JSON (`policy.intent_json`), with the policy version it was read under."""
        record, document = self._document(policy_digest)

        def standard_of(address: str) -> Any:
            entry = self._tokens.get(address)
            return entry.standard if entry is not None else None

        try:
            intent = (decode_for_policy(document, tx, standard_of=standard_of) if document is not None
                      else decode_tx(tx, standard_of=standard_of))
            describe = build_describer(document, safe=tx.safe, labels=self._labels, token_facts=self._facts,
                                       native=self._native)
            decoded = intent_to_json(intent, describe)
        except Exception as exc:  # a row no decoder reads: say so, the raw fields are in the file anyway
            return {"decoded": False, "reason": f"it could not be decoded ({type(exc).__name__})"}
        read_under = None if document is None or record is None else {"version": record.version,
                                                                       "digest": record.digest}
        return {"decoded": True, "policy": read_under, **decoded}
