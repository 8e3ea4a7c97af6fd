"""The JSON API under /api/v1: problem+json errors, bearer tokens, OpenAPI from the models."""
