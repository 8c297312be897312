"""The event store's backlog for /metrics, read at scrape time (registered in WebhooksConfig.ready)."""

from prometheus_client.core import GaugeMetricFamily

from .selectors import event_backlog


def event_backlog_metrics():
    backlog = GaugeMetricFamily(
        "crm_webhook_events_backlog",
        "Webhook events waiting, being processed, failed (retry due later) or dead (waiting for staff).",
        labels=["status"],
    )
    for status, count in event_backlog().items():
        backlog.add_metric([status], count)
    return [backlog]
