"""Rendering a full seed-000 page: 1000 fans through `crm.api.jwt.serializers.FanSerializer`
(which builds each dict directly) against the same fields rendered field by field by DRF.

    .venv/bin/python bench/fan_rendering.py [--rows 1000] [--runs 25]

No database: the fans are unsaved rows with two prefetched tags each, so only rendering is
timed (the page's queries are the same either way). Prints the median of `--runs` renderings.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from rest_framework import serializers  # noqa: E402

from core.api.fields import NullIfEmptyCharField, UtcDateTimeField  # noqa: E402
from crm.api.jwt.serializers import FanSerializer  # noqa: E402
from crm.choices import Platform  # noqa: E402
from crm.models import Fan, Tag  # noqa: E402
from crm.selectors import tag_names_of  # noqa: E402


class FieldByFieldFanSerializer(serializers.Serializer):
    """FanSerializer's declared fields, rendered by DRF's own to_representation."""

    id = serializers.IntegerField()
    user_id = serializers.SerializerMethodField()
    name = serializers.CharField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_id = NullIfEmptyCharField()
    handle = NullIfEmptyCharField()
    tags = serializers.SerializerMethodField()
    value_cents = serializers.IntegerField()
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()

    def get_user_id(self, fan) -> int:
        return self.context["user_id"]

    def get_tags(self, fan) -> list[str]:
        return tag_names_of(fan)


def fans(rows: int) -> list[Fan]:
    now = datetime.now(UTC)
    made = []
    for i in range(rows):
        fan = Fan(
            id=i + 1, creator_id=1, name=f"Fan {i}", platform="onlyfans", platform_id=f"of_{i}",
            handle="" if i % 2 else f"@fan{i}", value_cents=100 * i, created_at=now, updated_at=now,
        )
        prefetched = Tag.objects.none()
        prefetched._result_cache = [Tag(name="new"), Tag(name="vip")]
        prefetched._prefetch_done = True
        fan._prefetched_objects_cache = {"tags": prefetched}
        made.append(fan)
    return made


def median_ms(serializer_class, rows, runs: int) -> float:
    context = {"user_id": 1}
    _ = serializer_class(rows, many=True, context=context).data  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        _ = serializer_class(rows, many=True, context=context).data
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    rows = fans(args.rows)
    direct = FanSerializer(rows, many=True, context={"user_id": 1}).data
    by_field = FieldByFieldFanSerializer(rows, many=True, context={"user_id": 1}).data
    assert [dict(r) for r in direct] == [dict(r) for r in by_field], "the two renderings differ"
    print(f"{args.rows} fans, median of {args.runs}:")
    print(f"  FanSerializer (dicts built directly): {median_ms(FanSerializer, rows, args.runs):6.1f} ms")
    print(f"  the same fields, field by field:      {median_ms(FieldByFieldFanSerializer, rows, args.runs):6.1f} ms")


if __name__ == "__main__":
    main()
