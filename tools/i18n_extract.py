"""Babel extraction method for Auditoria: Babel's Python extractor plus calls inside f-strings.

On CPython 3.11 Babel's tokenizer sees an f-string as one string token, so
``f"{_('Room')} {n}"`` is silently skipped. This method yields everything Babel finds and adds
the ``_``/``N_``/``ngettext`` calls that only the AST sees. Used from translations/babel.cfg.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from io import BytesIO
from typing import IO, Any

from babel.messages.extract import extract_python

Found = tuple[int, str, Any, list[str]]


def _ast_calls(source: bytes, keywords: dict) -> Iterator[Found]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in keywords:
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args]
            if not args or args[0] is None:
                continue
            yield node.lineno, node.func.id, (args[0] if len(args) == 1 else tuple(args)), []


def extract_ast(fileobj: IO[bytes], keywords: dict, comment_tags: list[str], options: dict) -> Iterator[Found]:
    source = fileobj.read()
    seen: set[tuple[str, Any]] = set()
    for found in extract_python(BytesIO(source), keywords, comment_tags, options):
        seen.add((found[1], found[2]))
        yield found
    for found in _ast_calls(source, keywords):
        if (found[1], found[2]) not in seen:
            seen.add((found[1], found[2]))
            yield found
