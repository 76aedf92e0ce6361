"""Domain errors: plain exceptions raised by services.

The API's exception handler maps them to ``{"code", "message", "details"}``
with the HTTP status named here; web views show ``message`` to the user.
"""


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message, *, code=None, details=None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.details = details or {}


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"


class Conflict(DomainError):
    """The request is well formed but the current state refuses it."""

    status_code = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionRefused(DomainError):
    """Used where the object is visible but the action is not the user's to take."""

    status_code = 403
    code = "permission_denied"  # the code DRF's own 403 answers carry
