"""What both REST surfaces share: error path, base views, strict fields, parsers, pagination,
JWT cookies and the same-site write check, OpenAPI helpers. Nothing here resolves a creator."""
