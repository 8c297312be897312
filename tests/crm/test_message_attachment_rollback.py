import pytest
from django.core.exceptions import ValidationError

from crm import services
from crm.choices import Direction
from crm.models import Message
from crm.uploads import ATTACHMENT_KINDS, check_upload, upload_from_bytes
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_message_that_fails_to_save_leaves_no_stored_attachment(settings):
    conversation = ConversationFactory()
    upload = check_upload(upload_from_bytes("p.png", PNG), kinds=ATTACHMENT_KINDS)
    with pytest.raises(ValidationError):
        # A negative price fails validation after the object was written to storage.
        services.message_add(conversation=conversation, direction=Direction.OUTGOING, attachment=upload, price_cents=-1)
    assert not Message.objects.exists()
    root = settings.MEDIA_ROOT
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]
