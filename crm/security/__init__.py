"""Sign-in security: the budgets every login form spends (guard), the security events kept for
the admin and the metrics (events, selectors), what a sign-in opens and what ends it (sessions),
and two-factor sign-in (two_factor). The pages and APIs that use them are faces on top
(crm.views.auth, crm.views.security, crm.api.jwt.auth_views, crm.api.v1.views, crm.admin_site).
See docs/auth.md.
"""
