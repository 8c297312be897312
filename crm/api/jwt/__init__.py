"""The seed-000 surface (`000_…` document): `/api/crm/...` and `/api/auth/...`, by JWT in a cookie
or an `Authorization: Bearer` header (or a page session); errors as `{"error": "..."}`."""
