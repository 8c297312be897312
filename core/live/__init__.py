"""Live updates, the mechanism (no domain): the change feed, the wake-up, the SSE stream.

- `models.FeedEvent`: the append-only feed, one row per change someone may be watching, written
  inside the transaction of the change (`feed.publish`), read after a cursor (`feed.events_after`).
- `wakeup`: what tells a waiting stream that its feed moved (PostgreSQL LISTEN/NOTIFY, Redis
  pub/sub, or a short poll of the table on SQLite).
- `sse`: the server-sent-events response, resumed from `Last-Event-ID`.
- `conditional`: the ETag of a page that shows a feed, for conditional polling.
- `progress`: what a long job calls to drive a progress element.

The domain (who may watch what, what an event renders) is the caller's: crm.live.
"""
