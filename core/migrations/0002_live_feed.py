"""The live-update change feed (core.live.models.FeedEvent)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_database_cache_table'),
    ]

    operations = [
        migrations.CreateModel(
            name='FeedEvent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('stream', models.CharField(max_length=64)),
                ('kind', models.CharField(max_length=40)),
                ('data', models.JSONField(default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={
                'indexes': [models.Index(fields=['stream', 'id'], name='feed_stream_id')],
            },
        ),
    ]
