"""How a use case tells the user they did something wrong: a catalog key and its parameters.

Every service says it the same way, by raising: `ServiceError` for a refusal or a problem the user
can act on, `FormErrors` when a submitted form has fields to correct (the modal stays open with a
message under each). Listeners turn them into an answer in one place (`handlers.call`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.goals import FieldError


class ServiceError(Exception):
    """A refusal or a problem the user can act on; `key` names the catalog message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class FormErrors(ServiceError):
    """A form with fields to correct: one catalog message per field, by the form's field names.

    Which input block shows which field is the form's business (`bot.ui`); the key and params
    of the first error stand for the whole when there is no form to show them in.
    """

    def __init__(self, fields: Sequence[FieldError]) -> None:
        if not fields:
            raise ValueError("FormErrors needs at least one field error")
        first = fields[0]
        super().__init__(first.key, **dict(first.params))
        self.fields: tuple[FieldError, ...] = tuple(fields)
