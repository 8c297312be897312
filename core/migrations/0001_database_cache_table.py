"""The database cache's table, created by `migrate` itself.

Logins and every rate-limited write count in the cache; without Redis that is the database
cache, whose table `createcachetable` used to create as a separate step that a bare `migrate`
left out (every login then failed). It is created whatever CACHES says at migrate time, so a
deployment can move between Redis and the database cache without a manual step. Django's own
`createcachetable` builds it (same columns and index); it skips a table that already exists.
"""

from django.core.management.commands import createcachetable
from django.db import migrations

from core.cache import DATABASE_CACHE_TABLE


def create_cache_table(apps, schema_editor):
    command = createcachetable.Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, DATABASE_CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    connection = schema_editor.connection
    if DATABASE_CACHE_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(DATABASE_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
