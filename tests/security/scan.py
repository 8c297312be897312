"""Look for a person's data everywhere the system keeps anything: every column of every table of
the database (introspected, so tables without a model and models added later are included), and
every stored file.

Values are read the way someone holding a copy of the database could read them: JSON decoded
(its `\\u00eb` escapes hide non-ASCII text from a plain search), Fernet ciphertext decrypted with
the configured keys, Django's signed session data and the database cache's pickles decoded. So
"only ciphertext and keyed hashes" is checked strictly: a ciphertext of the person's data is
found once decrypted, and their keyed email and phone hashes are searched for as needles of
their own (a hash that stays is a way to recognise them).
"""

import base64
import contextlib
import json
import pickle
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpRequest

from core import crypto
from core.cache import DATABASE_CACHE_TABLE


def _strings(value):
    """Every string inside a decoded JSON value (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def readings(table: str, column: str, value) -> list[str]:
    """The texts one stored value can be read as."""
    if value is None:
        return []
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, (dict, list)):  # PostgreSQL hands JSON columns over decoded
        return list(_strings(value))
    if not isinstance(value, str):
        return [str(value)]
    texts = [value]
    stripped = value.strip()
    if stripped[:1] in ("{", "[", '"'):
        with contextlib.suppress(ValueError):  # text that only looks like JSON
            texts.extend(_strings(json.loads(stripped)))
    if stripped.startswith("gAAAAA"):
        with contextlib.suppress(InvalidToken, ValueError):  # text that only looks like a token
            texts.append(crypto.fernet().decrypt(stripped.encode()).decode())
    if table == "django_session" and column == "session_data":
        texts.extend(_strings(SessionStore().decode(value)))
    if table == DATABASE_CACHE_TABLE and column == "value":
        texts.append(repr(pickle.loads(base64.b64decode(value))))  # noqa: S301 (our own cache)
    return texts


def scan_database(needles: list[str]) -> list[str]:
    """`table.column (row …): needle` for every needle found anywhere in the database."""
    folded = [(needle, needle.casefold()) for needle in needles]
    qn = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)}")  # noqa: S608
            for number, row in enumerate(cursor.fetchall()):
                for column, value in zip(columns, row, strict=True):
                    text = "\n".join(readings(table, column, value)).casefold()
                    found += [f"{table}.{column} (row {number}): {n!r}" for n, f in folded if f in text]
    return found


def tables_scanned() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def scan_storage(root: Path, needles: list[str]) -> list[str]:
    """`path: needle` for every needle found in the bytes of any stored file (UTF-8 or UTF-16)."""
    found = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle in needles:
            if any(form in data for form in (needle.encode(), needle.encode("utf-16-le"))):
                found.append(f"{path.relative_to(root)}: {needle!r}")
    return found


def scan_messages_cookie(client, needles: list[str]) -> list[str]:
    """The flash messages a browser still holds in its `messages` cookie, decoded."""
    morsel = client.cookies.get("messages")
    if morsel is None or not morsel.value:
        return []
    messages = CookieStorage(HttpRequest())._decode(morsel.value) or []
    text = "\n".join(str(m) for m in messages).casefold()
    return [f"messages cookie: {n!r}" for n in needles if n.casefold() in text]
