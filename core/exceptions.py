"""Application errors raised by services and selectors; each API surface renders them its own way."""


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ApplicationError):
    status_code = 400


class NotFound(ApplicationError):
    status_code = 404


class Forbidden(ApplicationError):
    status_code = 403


class Conflict(ApplicationError):
    status_code = 409


class InsufficientStorage(ApplicationError):
    """A quota of stored bytes is spent."""

    status_code = 507


class AlreadyExists(ApplicationError):
    status_code = 409


class PayloadTooLarge(ApplicationError):
    status_code = 413


class StorageUnavailable(ApplicationError):
    """The file store refused a write; the client may retry later."""

    status_code = 503

    def __init__(self, message: str = "File storage unavailable, try again later", **kwargs):
        super().__init__(message, **kwargs)
