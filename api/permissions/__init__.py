"""Who may do what: roles, token scopes, row scoping and field permission classes."""
