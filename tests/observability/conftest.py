import io
import logging.config

import pytest
from django.conf import settings
from prometheus_client import REGISTRY

from core.observability import health
from core.observability.logging import logging_config
from tests.webhooks.conftest import account  # noqa: F401 - the connected Instagram account fixture


def sample(name: str, **labels) -> float:
    """A metric's current value in this process (0 when it was never counted)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(autouse=True)
def _fresh_readiness():
    health.forget()
    yield
    health.forget()


@pytest.fixture
def captured_logs():
    """The project's real logging (LOG_FORMAT=json, every level), written to a buffer."""

    def configure(log_format="json", level="DEBUG"):
        config = logging_config(log_format=log_format, level=level)
        config["handlers"]["console"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    buffer = io.StringIO()
    yield configure
    logging.config.dictConfig(settings.LOGGING)
