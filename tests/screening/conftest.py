import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from tests.conftest import free_port, require_or_skip
from tests.factories import FanFactory

MOTO_BUCKET = "screening-test-bucket"
MOTO_CREDENTIALS = {"access_key": "testing-access-key", "secret_key": "testing-secret-key"}


def stored_names(storage=None, directory: str = "") -> list[str]:
    """Every object in the storage, through the storage API (works for files and S3)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return []
    names = [f"{directory}{name}" for name in files]
    for folder in folders:
        names += stored_names(storage, f"{directory}{folder}/")
    return names


@pytest.fixture
def fan(creator):
    return FanFactory(creator=creator)


@pytest.fixture
def other_fan(other_creator):
    return FanFactory(creator=other_creator)


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto S3 server on a free loopback port, started for this test session."""
    binary = Path(sys.executable).parent / "moto_server"
    require_or_skip("moto_server (moto[server])", binary.exists())
    port = free_port()
    proc = subprocess.Popen(
        [str(binary), "-p", str(port), "-H", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"

    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    try:
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3_client(moto_endpoint):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=MOTO_CREDENTIALS["access_key"],
        aws_secret_access_key=MOTO_CREDENTIALS["secret_key"],
    )
    # A fresh, empty bucket per test.
    try:
        listing = client.list_objects_v2(Bucket=MOTO_BUCKET)
        for item in listing.get("Contents", []):
            client.delete_object(Bucket=MOTO_BUCKET, Key=item["Key"])
    except client.exceptions.NoSuchBucket:
        client.create_bucket(Bucket=MOTO_BUCKET)
    return client


@pytest.fixture
def s3_storage(settings, s3_client, moto_endpoint, _private_media):
    """The default storage switched to django-storages' S3 backend against moto."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": MOTO_BUCKET,
                "endpoint_url": moto_endpoint,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                **MOTO_CREDENTIALS,
            },
        },
    }
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    assert isinstance(storages["default"], S3Storage)
    return default_storage
