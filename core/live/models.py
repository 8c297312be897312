"""The change feed's table (docs/architecture.md, "Live updates")."""

from django.db import models


class FeedEvent(models.Model):
    """One change on one stream. Append-only; `id` is the stream's cursor.

    Carries ids, never the changed data: what a watcher sees is rendered when it is delivered,
    from the rows as they are then (a deleted fan's message renders nothing; nothing personal
    outlives an erasure here). Pruned after LIVE_FEED_RETENTION_HOURS (`feed.prune`).
    """

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=64)
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["stream", "id"], name="feed_stream_id")]

    def __str__(self):
        return f"{self.stream} #{self.pk} {self.kind}"
