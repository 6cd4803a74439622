"""Weekly status updates: the prompt, the modal, reminders, skips, leave and the team view."""

MESSAGES: dict[str, dict[str, str]] = {}
