"""The parse and validation caches, switched by the request's settings
(`PROMOPLAN_DOCUMENT_CACHES`, on by default; off only to measure what they save, see
bench/RESULTS.md, Levers).

On, a document seen before is neither parsed nor validated again, and every request of it
gets the same syntax tree -- which is what lets the level executor keep a plan per
operation (api/operation_plans.py). Off, strawberry parses and validates each request
itself, under the same limits (the token limit's parse options, the added rules).
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

# Documents whose syntax tree and validation result are kept, the least recently used
# dropped first.
DOCUMENTS_KEPT = 256


def _caching(extension: SchemaExtension) -> bool:
    return bool(extension.execution_context.context.settings.document_caches)


class DocumentParseCache(ParserCache):
    def __init__(self) -> None:
        super().__init__(maxsize=DOCUMENTS_KEPT)

    def on_parse(self) -> Iterator[None]:
        if _caching(self):
            yield from super().on_parse()
        else:
            yield


class DocumentValidationCache(ValidationCache):
    def __init__(self) -> None:
        super().__init__(maxsize=DOCUMENTS_KEPT)

    def on_validate(self) -> Iterator[None]:
        if _caching(self):
            yield from super().on_validate()
        else:
            yield
