"""The seed-002 surface (`002_…` document): `/api/v1/...` by `pk_` API key, and the public contact
form `/api/contact/submit`; `{"success": ..., "data": ...}` envelopes and errors."""
