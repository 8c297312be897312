"""SESSION_ENGINE: Django's database sessions, stored in crm.models.UserSession with whose session
it is, when and where it signed in, and the page login's refresh token, so sessions can be listed
and ended per user (crm.accounts.sessions)."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from .models import UserSession

# What the sign-in puts in the session for its row (crm.accounts.sessions).
SIGN_IN_META = "signin.meta"
REFRESH_JTI = "signin.refresh_jti"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        meta = data.get(SIGN_IN_META) or {}
        user_id = data.get("_auth_user_id")
        instance.user_id = int(user_id) if user_id is not None else None
        instance.signed_in_at = meta.get("at")
        instance.address = meta.get("address", "")[:45]
        instance.user_agent = meta.get("user_agent", "")[:255]
        instance.refresh_jti = data.get(REFRESH_JTI, "")
        instance.auth_hash = data.get("_auth_user_hash", "")
        return instance
