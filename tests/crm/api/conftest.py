import pytest

from tests.crm.api.cases import objects_of


@pytest.fixture
def objs(creator):
    """The caller's fan and conversation ids (and the creator), for path placeholders."""
    return objects_of(creator)
