from rest_framework.renderers import BaseRenderer


class AnyMediaRenderer(BaseRenderer):
    """Lets a download be asked for with any Accept header (the body is a file, not rendered)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data
