"""Make untrusted text safe to show: invisible and direction-changing characters become visible markers.

Labels, token names and RPC messages come from outside. A right-to-left override or a zero-width space can make
one name look like another, so every such character is shown as `<U+XXXX>`. QLabels fed with this text must
also use `Qt.PlainText`.
"""

from __future__ import annotations

import unicodedata

# Cc: control (tab, newline, ESC), Cf: format (bidi overrides and isolates, zero-width characters, soft hyphen),
# Cs/Co/Cn: surrogates, private use, unassigned; Zl/Zp: line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def reveal_invisible(text: str, *, max_length: int = 200) -> str:
    """Return `text` with hidden characters shown as `<U+XXXX>`, cut to `max_length` characters with an ellipsis."""
    shown = "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in _HIDDEN else ch for ch in text)
    return shown if len(shown) <= max_length else shown[: max_length - 1] + "…"
