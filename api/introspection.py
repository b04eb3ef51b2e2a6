"""Introspection only where PROMOPLAN_INTROSPECTION allows it (development, GraphiQL)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from api.limits import bad_request_rule

NO_INTROSPECTION = bad_request_rule(NoSchemaIntrospectionCustomRule)


class IntrospectionPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        if not self.execution_context.context.settings.introspection:
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, NO_INTROSPECTION)
        yield
