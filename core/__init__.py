"""The kernel under the domain: machinery that knows no creator, fan or platform.

Exceptions and each API surface's error path, API base classes, JWT-cookie mechanics and the
same-site write check, the rate limiter, keyset pagination, private storage and upload checks,
encryption at rest and keyed hashes, the atomic cache, schema helpers and page helpers.

Every app may import from here; nothing here imports an app (import-linter checks it, see
pyproject.toml and docs/architecture.md).
"""
