"""Routes of the creator pages (the screening section's are included by config.urls)."""

from django.urls import path

from .views import account, auth, contact, fans, inbox, password_reset, security, team

urlpatterns = [
    path("auth/login", auth.LoginView.as_view(), name="login"),
    path("auth/logout", auth.LogoutView.as_view(), name="logout"),
    path("auth/two-factor", auth.two_factor_verify, name="two_factor_verify"),
    path("auth/two-factor/setup", auth.two_factor_setup, name="two_factor_setup"),
    path("auth/two-factor/recovery-codes", auth.two_factor_codes, name="two_factor_codes"),
    path("auth/password-reset", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("auth/password-reset/sent", password_reset.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "auth/reset/<uidb64>/<token>",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("auth/reset/done", password_reset.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", auth.home, name="home"),
    path("fans/", fans.fan_list, name="fan_list"),
    path("fans/new/", fans.fan_create, name="fan_create"),
    path("fans/<str:fan_id>/", fans.fan_detail, name="fan_detail"),
    path("fans/<str:fan_id>/edit", fans.fan_edit, name="fan_edit"),
    path("fans/<str:fan_id>/notes", fans.fan_notes, name="fan_notes"),
    path("fans/<str:fan_id>/transactions", fans.fan_transaction_record, name="fan_transaction_record"),
    path("fans/<str:fan_id>/conversations", fans.fan_conversation_open, name="fan_conversation_open"),
    path("fans/<str:fan_id>/delete", fans.fan_delete, name="fan_delete"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<str:conversation_id>/", inbox.thread, name="thread"),
    path("inbox/<str:conversation_id>/send", inbox.thread_send, name="thread_send"),
    path("inbox/<str:conversation_id>/archive", inbox.thread_archive, name="thread_archive"),
    path("inbox/<str:conversation_id>/tags", inbox.thread_tags, name="thread_tags"),
    path(
        "inbox/<str:conversation_id>/messages/<str:message_id>/attachment",
        inbox.attachment_download,
        name="attachment_download",
    ),
    path("settings/", account.settings_page, name="settings"),
    path("settings/api-keys", account.api_key_create, name="api_key_create"),
    path("settings/api-keys/<str:key_id>/revoke", account.api_key_revoke, name="api_key_revoke"),
    path("settings/instagram", account.instagram_connect, name="instagram_connect"),
    path(
        "settings/instagram/<str:account_id>/disconnect",
        account.instagram_disconnect,
        name="instagram_disconnect",
    ),
    path("settings/password", account.password_change, name="password_change"),
    path("settings/sessions/end-all", security.sessions_end_all, name="sessions_end_all"),
    path("settings/sessions/<str:session_key>/end", security.session_end, name="session_end"),
    path("settings/two-factor/recovery-codes", security.recovery_codes_renew, name="recovery_codes_renew"),
    path("settings/two-factor/disable", security.two_factor_disable, name="two_factor_disable"),
    path("team/switch", team.creator_switch, name="creator_switch"),
    path("c/<str:slug>/", contact.contact_page, name="contact_page"),
]
