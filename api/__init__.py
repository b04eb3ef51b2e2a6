"""Promoplan: the GraphQL API of a promotion agency's CRM and field-marketing planning."""
