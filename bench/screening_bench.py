"""Screening endpoints on one machine: upload, info, list and download latencies, query counts.

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/screening_bench.py [--files 50]

Uses a throwaway SQLite database (var/bench-screening.sqlite3) and a temporary media folder;
set DATABASE_URL to run against PostgreSQL (a `test_` database is created and dropped).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50, help="files and methods on the client")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--size", type=int, default=1024 * 1024, help="bytes per uploaded file")
    args = parser.parse_args()

    setup_test_environment()
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(settings.BASE_DIR / "var" / "bench-screening.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    media = tempfile.mkdtemp(prefix="bench-screening-")
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    try:
        with override_settings(STORAGES=storages, WRITE_RATE_LIMIT="100000/60s"):
            run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from screening import services
    from tests.factories import ApiKeyFactory, FanFactory, ScreeningMethodFactory

    api_key = ApiKeyFactory()
    fan = FanFactory(creator=api_key.creator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw_key}")
    pdf = b"%PDF-1.4\n" + b"0" * (args.size - 9)

    def upload():
        response = client.post(
            f"/api/v1/screening/{fan.pk}/files",
            {"file": SimpleUploadedFile("scan.pdf", pdf)},
            format="multipart",
        )
        assert response.status_code == 201, response.content

    upload_ms = timed(upload, min(args.runs, 30))
    # Bring the client to exactly --files files and methods.
    from screening.models import ScreeningFile

    for row in ScreeningFile.objects.filter(fan=fan)[args.files :]:
        services.screening_file_delete(screening_file=row)
    while ScreeningFile.objects.filter(fan=fan).count() < args.files:
        upload()
    ScreeningMethodFactory.create_batch(args.files, fan=fan)
    file_id = ScreeningFile.objects.filter(fan=fan).values_list("id", flat=True).first()

    def get(path):
        response = client.get(path)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response

    paths = {
        "info": f"/api/v1/screening/{fan.pk}",
        "files list": f"/api/v1/files/screening/{fan.pk}",
        "download": f"/api/v1/screening/{fan.pk}/files/{file_id}/download",
    }
    print(f"engine={connection.vendor} files={args.files} methods={args.files} file_size={args.size} B")
    print(f"{'endpoint':<12} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    print(f"{'upload':<12} {upload_ms[0]:>10.2f} {upload_ms[1]:>8.2f} {'':>8}")
    for label, path in paths.items():
        get(path)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            get(path)
        query_count = len(queries)  # before later requests reset the log
        median, p95 = timed(lambda p=path: get(p), args.runs)
        print(f"{label:<12} {median:>10.2f} {p95:>8.2f} {query_count:>8}")


if __name__ == "__main__":
    main()
