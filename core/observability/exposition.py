"""What `/metrics` serves: this host's counted metrics (see `metrics`) and the figures read from
the database at scrape time, once per scrape, in the process that answers it.

Scrape-time figures come from the functions in `scrape_collectors`; an app adds its own from its
AppConfig.ready (webhooks adds its event backlog), as core cannot know the apps above it.
"""

from collections.abc import Callable, Iterable

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from . import build, multiproc

# --- Scrape-time figures ---------------------------------------------------------------------

scrape_collectors: list[Callable[[], Iterable[GaugeMetricFamily]]] = []


def build_info() -> Iterable[GaugeMetricFamily]:
    """The version and commit of the process that answers the scrape (value 1)."""
    info = GaugeMetricFamily("crm_build_info", "The running version and commit (value 1).", labels=["version", "commit"])
    info.add_metric([build.version(), build.commit()], 1)
    return [info]


def task_queue_metrics() -> Iterable[GaugeMetricFamily]:
    """Tasks ready to run, and how long the oldest has waited, per queue (django-tasks-db)."""
    depth = GaugeMetricFamily("crm_task_queue_depth", "Tasks ready to run, per queue.", labels=["queue"])
    age = GaugeMetricFamily(
        "crm_task_oldest_pending_age_seconds", "Age of the oldest task ready to run, per queue.", labels=["queue"]
    )
    now = timezone.now()
    rows = DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id"), oldest=Min("enqueued_at"))
    seen = False
    for row in rows.order_by("queue_name"):
        seen = True
        depth.add_metric([row["queue_name"]], row["n"])
        age.add_metric([row["queue_name"]], max(0.0, (now - row["oldest"]).total_seconds()))
    if not seen:
        depth.add_metric(["default"], 0)
        age.add_metric(["default"], 0)
    return [depth, age]


scrape_collectors.extend([build_info, task_queue_metrics])


def register_scrape_collector(function: Callable[[], Iterable[GaugeMetricFamily]]) -> None:
    """Add a function whose metric families every scrape reads (once, whatever calls it twice)."""
    if function not in scrape_collectors:
        scrape_collectors.append(function)


class _ScrapeCollector:
    def __init__(self, functions):
        self.functions = functions

    def collect(self):
        for function in self.functions:
            yield from function()


class _Delegate:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def exposition() -> bytes:
    """The text format of every metric: this host's processes plus the scrape-time figures."""
    registry = CollectorRegistry(auto_describe=False)
    if multiproc.directory():
        MultiProcessCollector(registry, path=str(multiproc.directory()))
    else:
        registry.register(_Delegate(REGISTRY))
    registry.register(_ScrapeCollector(list(scrape_collectors)))
    return generate_latest(registry)
