"""crm's two REST surfaces: `jwt/` (seed 000) and `v1/` (seed 002), on the creator bases in
`base.py` and the authentication in `authentication.py`. The machinery without a creator (errors,
fields, pagination, JWT cookies, schema helpers) is core.api's."""
