"""Golden responses of both seed documents' requests, every page and the admin.

Each scenario replays a fixed list of requests against the fixed world (tests/golden/world.py)
with a frozen clock and compares what comes back with tests/golden/responses/<scenario>.txt.
See tests/golden/recorder.py for what is compared and how to re-record.
"""

import json
from unittest import mock

import pytest
from django.test import Client

from tests.golden import world as w
from tests.golden.recorder import Golden
from tests.screening.samples import EXE, JPEG, PNG

pytestmark = [pytest.mark.once, pytest.mark.django_db(transaction=True, reset_sequences=True)]

@pytest.fixture
def world(settings):
    settings.DEBUG = False
    # (Rate-limit windows are held steady for every test by tests/conftest.py.)
    with mock.patch("django.utils.timezone.now", return_value=w.NOW):
        yield w.build()


class Session:
    """A client whose every exchange is written to the scenario's golden file."""

    def __init__(self, golden: Golden, client: Client | None = None):
        self.golden = golden
        self.client = client or Client()

    def send(self, label, method, path, *, json_body=None, data=None, content_type=None, **headers):
        kwargs = dict(headers)
        if json_body is not None:
            body, content_type = json.dumps(json_body), "application/json"
        elif data is not None and content_type is None:
            body = data
        else:
            body = data if data is not None else ""
        if method in ("GET", "HEAD"):
            response = getattr(self.client, method.lower())(path, **kwargs)
        elif content_type is None and isinstance(body, dict):
            response = getattr(self.client, method.lower())(path, body, **kwargs)
        else:
            response = self.client.generic(method, path, body, content_type=content_type or "", **kwargs)
        self.golden.add(label, method, path, response)
        return response

    def get(self, label, path, **headers):
        return self.send(label, "GET", path, **headers)

    def json(self, label, method, path, body, **headers):
        return self.send(label, method, path, json_body=body, **headers)

    def form(self, label, path, data, **headers):
        return self.send(label, "POST", path, data=data, **headers)


def test_seed000_surface(world):
    golden = Golden("seed000")
    anon = Session(golden)
    anon.get("anonymous list", "/api/crm/fans")
    anon.get("anonymous overview", "/api/analytics/overview")
    anon.json("login wrong password", "POST", "/api/auth/login", {"email": "golden@example.com", "password": "nope"})
    anon.json("login missing password", "POST", "/api/auth/login", {"email": "golden@example.com"})
    anon.send("login malformed json", "POST", "/api/auth/login", data="{oops", content_type="application/json")

    api = Session(golden)
    api.json("login", "POST", "/api/auth/login", {"email": "golden@example.com", "password": w.PASSWORD})
    tokens = api.json("token", "POST", "/api/auth/token", {"username": "golden", "password": w.PASSWORD}).json()
    api.json("refresh from cookie", "POST", "/api/auth/refresh", {})
    api.json("refresh from body", "POST", "/api/auth/refresh", {"refresh": tokens["refresh"]})
    api.json("refresh reused", "POST", "/api/auth/refresh", {"refresh": tokens["refresh"]})

    a, b, zed = world.alice, world.bob, world.zed
    api.get("list fans", "/api/crm/fans")
    page = api.get("list fans limit 2", "/api/crm/fans?limit=2").json()
    api.get("list fans next page", f"/api/crm/fans?limit=2&cursor={page['next_cursor']}")
    api.get("list fans filtered", "/api/crm/fans?platform=onlyfans&tag=vip&ordering=-value_cents")
    api.get("list fans search email", "/api/crm/fans?q=alice@example.com")
    api.get("list fans bad ordering", "/api/crm/fans?ordering=password")
    api.get("list fans bad limit", "/api/crm/fans?limit=-1")
    api.get("list fans bad cursor", "/api/crm/fans?cursor=forged")
    api.get("list fans bad platform", "/api/crm/fans?platform=myspace")

    created = api.json(
        "create fan (document example)",
        "POST",
        "/api/crm/fans",
        {"name": "Sarah Mitchell", "platform": "fansly", "platform_id": "fansly_sarah_456", "handle": "@sarahm",
         "tags": ["vip"], "value_cents": 0},
    ).json()["fan"]
    api.json("create fan with value", "POST", "/api/crm/fans",
             {"name": "New Fan", "platform": "onlyfans", "platform_id": "of_new_123", "tags": ["new"], "value_cents": 2500})
    api.json("create fan missing name", "POST", "/api/crm/fans", {"platform": "onlyfans", "platform_id": "x1"})
    api.json("create fan wrong type", "POST", "/api/crm/fans", {"name": 5, "platform": "onlyfans", "platform_id": "x2"})
    api.json("create fan duplicate", "POST", "/api/crm/fans", {"name": "Again", "platform": "onlyfans", "platform_id": "of_alice"})
    api.json("create fan bad platform", "POST", "/api/crm/fans", {"name": "X", "platform": "myspace", "platform_id": "x3"})
    api.json("create fan not an object", "POST", "/api/crm/fans", ["name"])
    api.send("create fan malformed json", "POST", "/api/crm/fans", data="{", content_type="application/json")
    api.send("create fan form encoded", "POST", "/api/crm/fans", data="name=x", content_type="application/x-www-form-urlencoded")
    api.json("create fan cross-site", "POST", "/api/crm/fans", {"name": "X", "platform": "onlyfans", "platform_id": "x4"},
             HTTP_ORIGIN="https://evil.example")
    api.get("fan", f"/api/crm/fans/{a.pk}")
    api.get("fan of another creator", f"/api/crm/fans/{zed.pk}")
    api.get("fan malformed id", "/api/crm/fans/abc")
    api.json("update fan", "PATCH", f"/api/crm/fans/{created['id']}", {"name": "Sarah M.", "tags": ["vip", "whale"], "handle": None})
    api.json("update fan bad value", "PATCH", f"/api/crm/fans/{created['id']}", {"value_cents": 5})
    api.json("update fan of another creator", "PATCH", f"/api/crm/fans/{zed.pk}", {"name": "Mine"})
    api.send("delete fan", "DELETE", f"/api/crm/fans/{created['id']}")
    api.send("delete fan again", "DELETE", f"/api/crm/fans/{created['id']}")
    api.send("fans wrong method", "PUT", "/api/crm/fans", json_body={})

    api.get("list conversations", "/api/crm/conversations")
    api.get("list conversations filtered", "/api/crm/conversations?archived=false&ordering=-last_message_at")
    api.get("list conversations bad boolean", "/api/crm/conversations?archived=maybe")
    api.json("create conversation (document example)", "POST", "/api/crm/conversations", {"fanId": b.pk, "platform": "onlyfans"})
    api.json("create conversation reused", "POST", "/api/crm/conversations", {"fanId": b.pk, "platform": "onlyfans"})
    api.json("create conversation missing fanId", "POST", "/api/crm/conversations", {"platform": "onlyfans"})
    api.json("create conversation other creator's fan", "POST", "/api/crm/conversations", {"fanId": zed.pk})
    chat = world.alice_chat.pk
    api.get("conversation", f"/api/crm/conversations/{chat}")
    api.get("conversation of another creator", f"/api/crm/conversations/{world.zed_chat.pk}")
    api.json("mark conversation read", "PATCH", f"/api/crm/conversations/{chat}", {"read": True, "tags": ["priority", "hot"]})
    api.json("archive conversation", "PATCH", f"/api/crm/conversations/{world.bob_chat.pk}", {"is_archived": True})
    api.get("messages", f"/api/crm/conversations/{chat}/messages")
    api.get("messages newest first", f"/api/crm/conversations/{chat}/messages?ordering=-created_at&limit=2")
    api.json("send message", "POST", f"/api/crm/conversations/{chat}/messages", {"text": "On its way", "price_cents": 1500})
    api.json("send message missing text", "POST", f"/api/crm/conversations/{chat}/messages", {})

    api.get("transactions", "/api/crm/transactions")
    api.get("transactions filtered", f"/api/crm/transactions?fan={a.pk}&kind=tip")
    api.json("record transaction", "POST", "/api/crm/transactions",
             {"fanId": b.pk, "kind": "tip", "amount_cents": 700, "external_id": "tip-1", "occurred_at": "2026-06-14T08:00:00Z"})
    api.json("record transaction again", "POST", "/api/crm/transactions",
             {"fanId": b.pk, "kind": "tip", "amount_cents": 700, "external_id": "tip-1"})
    api.json("record transaction negative", "POST", "/api/crm/transactions", {"fanId": b.pk, "kind": "tip", "amount_cents": -1})

    api.get("overview", "/api/analytics/overview")
    api.get("overview 7d", "/api/analytics/overview?window=7d")
    api.get("overview 90d", "/api/analytics/overview?window=90d")
    api.get("overview bad window", "/api/analytics/overview?window=1y")
    api.get("unknown route", "/api/crm/nothing-here")
    api.get("bearer header", "/api/crm/fans?limit=1", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    api.get("bad bearer header", "/api/crm/fans", HTTP_AUTHORIZATION="Bearer nonsense")

    hooks = Session(golden)
    hooks.get("webhook verify", "/api/webhooks/instagram?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1234567890")
    hooks.get("webhook verify wrong token", "/api/webhooks/instagram?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
    for name in ("media", "comments", "mentions"):
        response = w.signed_delivery(hooks.client, w.fixture_body(name))
        golden.add(f"webhook {name}", "POST", "/api/webhooks/instagram", response)
    golden.add("webhook bad signature", "POST", "/api/webhooks/instagram",
               w.signed_delivery(hooks.client, w.fixture_body("media"), secret="wrong"))
    golden.add("webhook invalid payload", "POST", "/api/webhooks/instagram",
               w.signed_delivery(hooks.client, b'{"object": "page"}'))
    api.get("conversations after webhooks", "/api/crm/conversations?platform=instagram")

    api.get("openapi schema", "/api/schema/?format=json")
    api.get("swagger ui", "/api/docs/")
    api.json("logout", "POST", "/api/auth/logout", {})
    api.get("after logout", "/api/crm/fans")
    golden.check()


def test_seed002_surface(world):
    golden = Golden("seed002")
    anon = Session(golden)
    anon.json("generate key", "POST", "/api/v1/auth/generate-key", {"model_slug": "golden", "password": w.PASSWORD, "name": "Zapier"})
    key = anon.json("generate second key", "POST", "/api/v1/auth/generate-key", {"model_slug": "Golden ", "password": w.PASSWORD}).json()["data"]["api_key"]
    anon.json("generate key wrong password", "POST", "/api/v1/auth/generate-key", {"model_slug": "golden", "password": "nope"})
    anon.json("generate key missing fields", "POST", "/api/v1/auth/generate-key", {"model_slug": "golden"})
    anon.json("generate key unknown slug", "POST", "/api/v1/auth/generate-key", {"model_slug": "ghost", "password": "x"})
    anon.get("no key", "/api/v1/clients")
    anon.get("key of wrong format", "/api/v1/clients", HTTP_AUTHORIZATION="Bearer abc")
    anon.get("unknown key", "/api/v1/clients", HTTP_AUTHORIZATION="Bearer pk_unknownunknown")
    anon.get("unknown v1 route", "/api/v1/nothing")

    v1 = Session(golden, Client(HTTP_AUTHORIZATION=f"Bearer {key}"))
    a, zed = world.alice, world.zed
    v1.get("list clients", "/api/v1/clients")
    v1.get("list clients paged", "/api/v1/clients?page=2&limit=1")
    v1.get("list clients search", "/api/v1/clients?search=alice")
    v1.get("list clients search email", "/api/v1/clients?search=dana@example.com")
    v1.get("list clients screened", "/api/v1/clients?status=screened")
    v1.get("list clients bad status", "/api/v1/clients?status=gold")
    v1.get("list clients bad page", "/api/v1/clients?page=0")
    v1.get("client", f"/api/v1/clients/{a.pk}")
    v1.get("client of another creator", f"/api/v1/clients/{zed.pk}")
    v1.get("client malformed id", "/api/v1/clients/5x")
    made = v1.json("create client (document example)", "POST", "/api/v1/clients",
                   {"email": "client@example.com", "phone": "+1234567890", "client_identifier": "client123"}).json()["data"]
    v1.json("create client matched", "POST", "/api/v1/clients", {"email": "CLIENT@example.com"})
    v1.json("create client nothing to match", "POST", "/api/v1/clients", {"name": "Nobody"})
    v1.json("create client bad phone", "POST", "/api/v1/clients", {"phone": "call me maybe"})
    v1.json("create client approved", "POST", "/api/v1/clients",
            {"email": "ok@example.com", "screening_status": "approved"})
    client_id = made["id"]
    v1.json("update client (document example)", "PUT", f"/api/v1/clients/{client_id}",
            {"screening_status": "approved", "client_category": "screened", "subscription_status": "active",
             "notes_encrypted": "Updated notes..."})
    v1.json("update client bad status", "PUT", f"/api/v1/clients/{client_id}", {"screening_status": "maybe"})
    v1.json("update client of another creator", "PUT", f"/api/v1/clients/{zed.pk}", {"name": "x"})
    v1.send("update client form encoded", "PUT", f"/api/v1/clients/{client_id}", data="name=x",
            content_type="application/x-www-form-urlencoded")

    v1.get("notes", f"/api/v1/notes/{a.pk}")
    v1.json("update notes", "PUT", f"/api/v1/notes/{client_id}", {"notes": "Updated from Python"})
    v1.json("update notes missing", "PUT", f"/api/v1/notes/{client_id}", {})
    v1.send("clear notes", "DELETE", f"/api/v1/notes/{client_id}")

    chat = world.alice_chat.pk
    v1.get("list conversations", "/api/v1/conversations")
    v1.get("list conversations archived", "/api/v1/conversations?status=archived")
    v1.get("list conversations of a client", f"/api/v1/conversations?interaction_id={a.pk}")
    v1.get("list conversations bad interaction", "/api/v1/conversations?interaction_id=x")
    v1.get("conversation", f"/api/v1/conversations/{chat}")
    v1.get("conversation of another creator", f"/api/v1/conversations/{world.zed_chat.pk}")
    new = v1.json("create conversation (document example)", "POST", "/api/v1/conversations",
                  {"interaction_id": client_id, "subject": "New Thread", "message": "Initial message (optional)"}).json()["data"]
    v1.json("create conversation missing subject", "POST", "/api/v1/conversations", {"interaction_id": client_id})
    v1.json("create conversation unknown client", "POST", "/api/v1/conversations", {"interaction_id": zed.pk, "subject": "x"})
    v1.json("archive", "PUT", f"/api/v1/conversations/{new['id']}/archive", {"archived": True})
    v1.json("archive wrong type", "PUT", f"/api/v1/conversations/{new['id']}/archive", {"archived": "yes"})
    v1.json("tags", "PUT", f"/api/v1/conversations/{chat}/tags", {"tags": ["screening", "appointment", "follow-up"]})
    v1.json("tags not a list", "PUT", f"/api/v1/conversations/{chat}/tags", {"tags": "screening"})
    v1.send("mark read", "PUT", f"/api/v1/conversations/{chat}/read")

    v1.get("messages", f"/api/v1/messages?conversation_id={chat}")
    v1.get("messages missing conversation", "/api/v1/messages")
    sent = v1.json("send message (document example)", "POST", "/api/v1/messages",
                   {"conversation_id": chat, "message": "Your message text", "message_type": "text"}).json()["data"]
    v1.json("send system message", "POST", "/api/v1/messages", {"conversation_id": chat, "message": "Closed", "message_type": "system"})
    v1.json("send message empty", "POST", "/api/v1/messages", {"conversation_id": chat, "message": " "})
    v1.send("send message with file", "POST", "/api/v1/messages",
            data={"conversation_id": str(chat), "message": "A picture", "file": _named(JPEG, "holiday.jpg")})
    v1.send("send message with hostile file", "POST", "/api/v1/messages",
            data={"conversation_id": str(chat), "message": "x", "file": _named(EXE, "invoice.pdf")})
    v1.get("message", f"/api/v1/messages/{sent['id']}")
    v1.get("message unknown", "/api/v1/messages/999999")

    v1.get("files", f"/api/v1/files?conversation_id={chat}")
    v1.get("file", f"/api/v1/files/{world.attachment.pk}")
    v1.get("file download", f"/api/v1/files/{world.attachment.pk}/download")
    v1.get("file of a message without one", f"/api/v1/files/{sent['id']}")

    v1.get("screening", f"/api/v1/screening/{a.pk}")
    v1.get("screening of another creator", f"/api/v1/screening/{zed.pk}")
    method = v1.json("add screening method", "POST", f"/api/v1/screening/{a.pk}/methods",
                     {"method_type": "references", "details": "Contact details or notes", "status": "pending"}).json()["data"]
    v1.json("add screening method bad type", "POST", f"/api/v1/screening/{a.pk}/methods", {"method_type": "vibes"})
    v1.json("update screening method", "PUT", f"/api/v1/screening/{a.pk}/methods/{method['id']}",
            {"status": "completed", "details": "Updated details"})
    uploaded = v1.send("upload screening file", "POST", f"/api/v1/screening/{a.pk}/files",
                       data={"file": _named(PNG, "id photo.png")}).json()["data"]
    v1.send("upload hostile screening file", "POST", f"/api/v1/screening/{a.pk}/files", data={"file": _named(EXE, "id.jpg")})
    v1.get("screening file list", f"/api/v1/files/screening/{a.pk}")
    v1.get("screening file download", f"/api/v1/screening/{a.pk}/files/{world.screening_file_id}/download")
    v1.send("delete screening file", "DELETE", f"/api/v1/screening/{a.pk}/files/{uploaded['id']}")
    v1.send("delete screening file again", "DELETE", f"/api/v1/screening/{a.pk}/files/{uploaded['id']}")

    contact = Session(golden)
    contact.json("contact submit", "POST", "/api/contact/submit",
                 {"model_id": "golden", "name": "Erin Evans", "email": "erin@example.com", "subject": "Booking",
                  "message": "I would like to book a session.", "consent_contact": True})
    contact.json("contact invalid", "POST", "/api/contact/submit", {"model_id": "golden", "name": "E", "email": "bad"})
    contact.json("contact honeypot", "POST", "/api/contact/submit",
                 {"model_id": "golden", "name": "Bot", "email": "bot@example.com", "message": "Buy now buy now",
                  "consent_contact": True, "website": "http://spam.example"})
    contact.json("contact unknown creator", "POST", "/api/contact/submit",
                 {"model_id": "ghost", "name": "Erin", "email": "erin@example.com", "message": "Hello there, anyone?",
                  "consent_contact": True})

    # Issue 13: one match-or-create and one screening decision for every entry point (docs/rules.md).
    v1.json("issue 13: create client matched fills the phone", "POST", "/api/v1/clients",
            {"email": "OK@example.com", "phone": "+1 555 0199"})
    fresh = v1.json("issue 13: create client", "POST", "/api/v1/clients", {"client_identifier": "issue-13"}).json()["data"]
    v1.json("issue 13: approve re-sending the category", "PUT", f"/api/v1/clients/{fresh['id']}",
            {"screening_status": "approved", "client_category": "unscreened"})
    v1.json("issue 13: update client bad phone", "PUT", f"/api/v1/clients/{fresh['id']}", {"phone": "call me maybe"})

    anon.json("revoke keys", "POST", "/api/v1/auth/revoke-key", {"model_slug": "golden", "password": w.PASSWORD})
    v1.get("revoked key", "/api/v1/clients")
    golden.check()


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_pages(world):
    golden = Golden("pages")
    anon = Session(golden)
    anon.get("login page", "/auth/login")
    anon.get("fans anonymous", "/fans/")
    anon.form("login wrong password", "/auth/login", {"username": "golden@example.com", "password": "nope"})
    anon.get("contact page", "/c/golden/")
    anon.get("contact page unknown", "/c/ghost/")
    anon.form("contact page post", "/c/golden/",
              {"model_id": "golden", "name": "Frank Fox", "email": "frank@example.com", "message": "Hello from the page form.",
               "consent_contact": "on"})
    anon.form("contact page invalid", "/c/golden/", {"model_id": "golden", "name": "F"})
    anon.get("password reset page", "/auth/password-reset")
    anon.form("password reset request", "/auth/password-reset", {"email": "golden@example.com"})
    anon.form("password reset unknown address", "/auth/password-reset", {"email": "nobody@example.com"})
    anon.form("password reset invalid address", "/auth/password-reset", {"email": "not an address"})
    anon.get("password reset sent", "/auth/password-reset/sent")
    anon.get("password reset bad link", "/auth/reset/MQ/bad-token")
    anon.get("password reset complete", "/auth/reset/done")
    anon.get("two-factor step without a sign-in", "/auth/two-factor")

    page = Session(golden)
    page.form("login", "/auth/login", {"username": "golden@example.com", "password": w.PASSWORD})
    a, zed = world.alice, world.zed
    page.get("home", "/")
    page.get("dashboard", "/dashboard/")
    page.get("dashboard 7d", "/dashboard/?window=7d")
    page.get("fans", "/fans/")
    page.get("fans filtered", "/fans/?platform=onlyfans&sort=value&q=ali")
    page.get("fans page 2", "/fans/?after=bm90LWEtY3Vyc29y")
    page.get("new fan form", "/fans/new/")
    page.form("create fan invalid", "/fans/new/", {"platform": "onlyfans"})
    page.form("create fan", "/fans/new/", {"name": "Gina Gale", "platform": "patreon", "platform_id": "pt_gina",
                                           "tags": "new, patron", "screening_status": "pending",
                                           "client_category": "unscreened", "subscription_status": "none"})
    page.get("fan", f"/fans/{a.pk}/")
    page.get("fan of another creator", f"/fans/{zed.pk}/")
    page.get("fan malformed id", "/fans/x1/")
    profile = {"name": "Alice A.", "platform": "onlyfans", "platform_id": "of_alice", "handle": "@alice",
               "client_identifier": "alice-1", "email": "alice@example.com", "phone": "+1 555 0100",
               "tags": "vip, active", "screening_status": "pending", "client_category": "unscreened",
               "subscription_status": "active"}
    page.form("edit fan", f"/fans/{a.pk}/edit", profile)
    page.form("edit fan invalid", f"/fans/{a.pk}/edit", {**profile, "platform": "myspace"})
    page.form("notes", f"/fans/{a.pk}/notes", {"notes": "Prefers evenings. Birthday in May."})
    page.form("record tip", f"/fans/{a.pk}/transactions", {"kind": "tip", "amount": "12.50", "platform": ""})
    page.form("record tip invalid", f"/fans/{a.pk}/transactions", {"kind": "tip", "amount": "-3"})
    page.get("fan after writes", f"/fans/{a.pk}/")
    page.form("screening method", f"/fans/{a.pk}/screening/methods", {"method_type": "id_verification", "details": "Passport seen", "status": "pending"})
    page.form("screening method invalid", f"/fans/{a.pk}/screening/methods", {"method_type": "vibes"})
    page.form("screening method update", f"/fans/{a.pk}/screening/methods/{world.screening_method_id}",
              {"method_type": "references", "details": "Two references", "status": "completed"})
    page.form("screening file", f"/fans/{a.pk}/screening/files", {"file": _named(JPEG, "licence.jpg")})
    page.form("screening file hostile", f"/fans/{a.pk}/screening/files", {"file": _named(EXE, "licence.jpg")})
    page.get("screening file download", f"/fans/{a.pk}/screening/files/{world.screening_file_id}/download")
    page.form("screening decision", f"/fans/{a.pk}/screening/decision", {"status": "approved", "client_category": ""})
    page.get("fan after screening", f"/fans/{a.pk}/")
    page.form("message fan", f"/fans/{world.dana.pk}/conversations", {})
    page.get("delete fan confirm", f"/fans/{world.dana.pk}/delete")
    page.form("delete fan", f"/fans/{world.dana.pk}/delete", {})

    chat = world.alice_chat.pk
    page.get("inbox", "/inbox/")
    page.get("inbox archived", "/inbox/?archived=true")
    page.get("inbox search", "/inbox/?q=bob&sort=recent")
    page.get("thread", f"/inbox/{chat}/")
    page.get("thread of another creator", f"/inbox/{world.zed_chat.pk}/")
    page.form("send", f"/inbox/{chat}/send", {"text": "See you soon"})
    page.form("send with attachment", f"/inbox/{chat}/send", {"text": "", "attachment": _named(PNG, "pic.png")})
    page.form("send empty", f"/inbox/{chat}/send", {"text": " "})
    page.form("tags", f"/inbox/{chat}/tags", {"tags": "priority, paid"})
    page.get("attachment download", f"/inbox/{chat}/messages/{world.attachment.pk}/attachment")
    page.form("archive", f"/inbox/{world.bob_chat.pk}/archive", {"archived": "true"})
    page.get("thread after writes", f"/inbox/{chat}/")

    page.get("settings", "/settings/")
    page.form("create api key", "/settings/api-keys", {"name": "Zapier"})
    page.get("settings with new key", "/settings/")
    page.form("create api key invalid", "/settings/api-keys", {"name": ""})
    page.form("revoke api key", "/settings/api-keys/1/revoke", {})
    page.form("connect instagram", "/settings/instagram", {"external_account_id": "17841400000000999", "username": "second"})
    page.form("connect instagram invalid", "/settings/instagram", {"external_account_id": "abc"})
    page.form("disconnect instagram", "/settings/instagram/2/disconnect", {})
    page.form("password change invalid", "/settings/password", {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    page.get("settings after writes", "/settings/")
    page.get("two-factor setup", "/auth/two-factor/setup")
    page.form("two-factor setup wrong code", "/auth/two-factor/setup", {"code": "000000"})
    page.form("end an unknown session", "/settings/sessions/nosuchsession/end", {})
    page.form("turn off two-factor while off", "/settings/two-factor/disable", {"password": "nope"})

    # Issue 13: the pages follow the rules of every entry point (docs/rules.md).
    b = world.bob
    bob = {"name": "Bob Brown", "platform": "fansly", "platform_id": "fy_bob", "handle": "@bob",
           "client_identifier": "", "email": "", "phone": "", "tags": "new", "screening_status": "pending",
           "client_category": "unscreened", "subscription_status": "none"}
    page.form("issue 13: edit fan invalid phone", f"/fans/{b.pk}/edit", {**bob, "phone": "call me maybe"})
    page.form("issue 13: approve from the profile form", f"/fans/{b.pk}/edit", {**bob, "screening_status": "approved"})
    page.get("issue 13: fan after approval from the profile form", f"/fans/{b.pk}/")
    page.form("issue 13: too many tags", f"/inbox/{chat}/tags", {"tags": ", ".join(f"t{i}" for i in range(51))})
    page.form("logout", "/auth/logout", {})
    page.get("fans after logout", "/fans/")
    golden.check()


ADMIN_PAGES = (
    "",
    "crm/user/",
    "crm/creator/",
    "crm/tag/",
    "crm/fan/",
    "crm/fan/?q=alice@example.com",
    "crm/fan/{alice}/change/",
    "crm/conversation/",
    "crm/conversation/{chat}/change/",
    "crm/message/",
    "crm/transaction/",
    "crm/platformaccount/",
    "crm/apikey/",
    "screening/screeningmethod/",
    "screening/screeningfile/",
    "screening/screeningfile/{file}/change/",
    "screening/screeningfile/{file}/download/",
    "webhooks/webhookevent/",
    "webhooks/webhookevent/1/change/",
    "crm/authevent/",
    "otp_totp/totpdevice/",
    "crm/recoverycodedevice/",
)


def test_admin(world):
    golden = Golden("admin")
    staff = Session(golden)
    staff.get("login page", "/admin/login/")
    staff.form("login", "/admin/login/?next=/admin/", {"username": "admin@example.com", "password": w.PASSWORD})
    staff.get("admin before the second factor", "/admin/")
    staff.get("two-factor step", "/auth/two-factor")
    staff.form("two-factor code", "/auth/two-factor", {"code": w.totp_now(w.ADMIN_TOTP_KEY)})
    ids = {"alice": world.alice.pk, "chat": world.alice_chat.pk, "file": world.screening_file_id}
    for path in ADMIN_PAGES:
        staff.get(f"admin {path or 'index'}", "/admin/" + path.format(**ids))
    staff.form(
        "approve screening action",
        "/admin/crm/fan/",
        {"action": "approve_screening", "_selected_action": [str(world.bob.pk)], "index": "0"},
    )
    staff.get("fans after action", "/admin/crm/fan/")
    golden.check()
