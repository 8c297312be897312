"""Counting what Django signals: a refused sign-in (`user_login_failed`, sent by `authenticate`
for the JSON login, the login page and the admin alike). Connected in CoreConfig.ready."""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from . import metrics


def sign_in_entry(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "page" if request is not None else "other"


@receiver(user_login_failed, dispatch_uid="core.observability.count_failed_sign_in")
def count_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The credentials (an email, a password) are never looked at here, let alone logged.
    metrics.FAILED_SIGN_INS.labels(entry=sign_in_entry(request)).inc()
