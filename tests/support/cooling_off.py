"""A contact of the demo policy re-dated through governance, for the cooling-off tests: the next version of the policy
in force says the contact was added at a later moment. A later date only tightens (its cooling-off starts again), so
the change is in force at the quorum, at once: the first signer proposes, the others approve."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any


def redate_contact(policy: Any, label: str, added: datetime, signers: Sequence[Any]) -> Any:
    """The `PolicyDocument` in force after contact `label` was re-dated to `added` (`policy`: a `PolicyService`;
    `signers`: open signers of the governance quorum)."""
    active = policy.active()
    block = re.compile(rf'(\[\[contacts\]\]\nlabel = "{re.escape(label)}"\n(?:[^\[\n][^\n]*\n)*?added = )\S+')
    stamp = added.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text, found = block.subn(lambda m: m.group(1) + stamp, active.document.text, count=1)
    assert found == 1, f"no contact {label!r} in the policy in force"
    text = re.sub(r"^version = \d+", f"version = {active.version + 1}", text, count=1, flags=re.MULTILINE)
    draft = policy.propose_with(text, signers[0])
    for signer in signers[1:]:
        draft = policy.approve_with(draft.digest, signer)
    assert draft.state == "active" and draft.loosens is False, draft
    return policy.active().document
