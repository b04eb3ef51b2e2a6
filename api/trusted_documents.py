"""Trusted documents: the clients' operations, registered at build time under their hash.

A client sends `{"documentId": "sha256:<hex>"}` (GraphQL over HTTP) or Apollo's
`extensions.persistedQuery.sha256Hash` instead of the query text. The manifest is built
from ../shared/clients by `promoplan documents --write` and shipped with the package.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse, print_ast

MANIFEST_FILE = Path(__file__).with_name("trusted_documents.json")
PREFIX = "sha256:"


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def operations_of(paths: Iterable[Path]) -> dict[str, str]:
    """Each named operation of the client documents, printed with the fragments it uses."""
    found: dict[str, str] = {}
    for path in paths:
        document = parse(path.read_text())
        fragments = {
            d.name.value: print_ast(d)
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                text = print_ast(definition)
                used = [f for name, f in fragments.items() if re.search(rf"\.\.\.{name}\b", text)]
                found[definition.name.value] = "\n".join([text, *used])
    return found


def build_manifest(clients_dir: Path) -> dict[str, dict[str, str]]:
    """Operation name → its hash and text, for every operation of every client file."""
    operations = operations_of(sorted(clients_dir.glob("*.graphql")))
    return {
        name: {"hash": document_hash(text), "document": text}
        for name, text in sorted(operations.items())
    }


def manifest_json(manifest: Mapping[str, Mapping[str, str]]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Registry:
    by_hash: Mapping[str, str]
    names: frozenset[str]

    def text(self, document_id: str) -> str | None:
        return self.by_hash.get(document_id.removeprefix(PREFIX).lower())

    def holds(self, query: str) -> bool:
        registered = self.by_hash.get(document_hash(query))
        return registered == query


@cache
def registry() -> Registry:
    manifest = json.loads(MANIFEST_FILE.read_text())
    return Registry(
        by_hash={entry["hash"]: entry["document"] for entry in manifest.values()},
        names=frozenset(manifest),
    )


def requested_id(extensions: Mapping[str, Any]) -> str | None:
    """The document a request names instead of its query text, if any.

    The view moves a body's `documentId` into the extensions; Apollo clients send
    `extensions.persistedQuery.sha256Hash`.
    """
    document_id = extensions.get("documentId")
    if isinstance(document_id, str):
        return document_id
    persisted = extensions.get("persistedQuery")
    sha = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return sha if isinstance(sha, str) else None
