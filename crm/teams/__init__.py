"""Agency teams: who works for which creator, in which role, and what each role may do.

`policy` is the one place a role's permissions are written (docs/teams.md shows its matrix);
`acting` resolves which creator a request acts for and as whom; `services` writes memberships.
"""
