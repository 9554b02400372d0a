"""QR checks for other areas (the municipal server, HQ): verify a form's code against given keys.

``verify_payload(text, keys)`` takes the QR text and the public identities the caller trusts
(a {station: PublicIdentity} mapping or a list) and returns a ``Verdict`` with ``valid``,
``reason`` and the decoded ``data`` (long names, plus ``doc`` = document id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.forms.seal import PREFIX
from app.forms.verify import Verdict, verify_text
from app.transfer.keys import PublicIdentity


class NotAFormCode(TypeError):
    """The text is not in this module's format (no ``AU1:`` prefix); a caller that knows other
    formats may try them (a TypeError, so app.server.verify falls back to its own adapter)."""


def verify_payload(text: str, keys: Mapping[str, PublicIdentity] | Iterable[PublicIdentity]) -> Verdict:
    if not text.strip().upper().startswith(PREFIX):
        raise NotAFormCode("not an Auditoria form code")
    idents = list(keys.values()) if isinstance(keys, Mapping) else list(keys)
    v = verify_text(text, None, idents)
    if v.data.get("document_id"):
        v.data["doc"] = v.data["document_id"]
    return v
