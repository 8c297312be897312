"""Deleting a person's rows so that nothing of them is left in the admin's history.

`erase(obj)` deletes an object with everything its foreign keys cascade to (exactly what
`obj.delete()` deletes), and first rewrites the admin history entries (`LogEntry`) about every
one of those objects: an entry's `object_repr` is the object's `str()` (a fan's name, a file's
original name) and its change message names the inline objects added or changed with it. The
action, time, user, object type and id stay, so the history still says who did what when.
"""

import json

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import CharField, F, Value
from django.db.models.deletion import Collector
from django.db.models.functions import Concat

ERASED = "(erased)"


def _scrub_change_message(message: str) -> str:
    """Django's JSON change message with every object name replaced; field names stay."""
    try:
        changes = json.loads(message)
    except ValueError:
        return ""  # an old free-text message: nothing in it can be trusted to be anonymous
    if not isinstance(changes, list):
        return ""
    for change in changes:
        for detail in change.values() if isinstance(change, dict) else ():
            if isinstance(detail, dict) and "object" in detail:
                detail["object"] = ERASED
    return json.dumps(changes)


def admin_history_scrub(objects_by_model: dict) -> int:
    """Rewrite the history entries about these objects ({model: [pk, ...]}); how many."""
    scrubbed = 0
    for model, pks in objects_by_model.items():
        if not pks:
            continue
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        entries = LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks])
        rows = list(entries.values_list("pk", "change_message"))
        if not rows:
            continue
        label = f"{model._meta.verbose_name} #"
        entries.update(object_repr=Concat(Value(label), F("object_id"), Value(f" {ERASED}"), output_field=CharField()))
        for pk, message in rows:
            if message:
                LogEntry.objects.filter(pk=pk).update(change_message=_scrub_change_message(message))
        scrubbed += len(rows)
    return scrubbed


def erase(obj) -> None:
    """Delete `obj` and all it cascades to, leaving no name of theirs in the admin's history."""
    using = router.db_for_write(type(obj), instance=obj)
    collector = Collector(using=using, origin=obj)
    collector.collect([obj])
    objects = {model: [o.pk for o in instances] for model, instances in collector.data.items()}
    # Rows deleted in bulk (no signals, no further cascade) are read only for the models the
    # history mentions at all: most of them (counters, links) never had an admin entry.
    bulk: dict[int, list] = {}
    for queryset in collector.fast_deletes:
        bulk.setdefault(ContentType.objects.get_for_model(queryset.model, for_concrete_model=False).pk, []).append(queryset)
    mentioned = set(LogEntry.objects.filter(content_type__in=bulk).values_list("content_type", flat=True).distinct())
    for content_type_id in mentioned:
        for queryset in bulk[content_type_id]:
            objects.setdefault(queryset.model, []).extend(queryset.values_list("pk", flat=True))
    admin_history_scrub(objects)
    collector.delete()
