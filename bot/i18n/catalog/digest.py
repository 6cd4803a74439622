"""The weekly digest posted to the digest channel, and its thread."""

MESSAGES: dict[str, dict[str, str]] = {}
