"""A bare `manage.py migrate` creates the database cache table (rate-limit counters, so logins).

tests/live/test_real_server.py migrates a fresh database with `migrate` alone and signs in
against the real server; these run on either engine.
"""

import pytest
from django.conf import settings as django_settings
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connection

from core.cache import DATABASE_CACHE_TABLE, AtomicDatabaseCache


def tables() -> list[str]:
    return connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_the_cache_table_is_created_by_a_migration_whatever_caches_says(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    call_command("migrate", "core", "zero", verbosity=0)
    assert DATABASE_CACHE_TABLE not in tables()
    call_command("migrate", "core", verbosity=0)
    assert DATABASE_CACHE_TABLE in tables()
    # The table is the one Django's database cache expects: a counter lives and increments in it.
    cache = AtomicDatabaseCache(DATABASE_CACHE_TABLE, {})
    cache.set("migrated", 1)
    assert cache.incr("migrated") == 2
    # createcachetable (which the Makefile used to run) now finds it there and changes nothing.
    call_command("createcachetable", verbosity=0)


@pytest.mark.once
def test_the_settings_use_the_table_the_migration_creates():
    cache = django_settings.CACHES["default"]
    assert cache["BACKEND"] == "core.cache.AtomicDatabaseCache"
    assert issubclass(AtomicDatabaseCache, DatabaseCache)
    assert cache["LOCATION"] == DATABASE_CACHE_TABLE
