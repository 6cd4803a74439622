"""Failures a use case reports to the user, as catalog keys."""

from __future__ import annotations


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
