"""A fake Slack Web API and a signed-request sender for tests and ``pmpulse demo``."""

from bot.fakeslack.server import FakeSlack, RecordedCall
from bot.fakeslack.signing import SlackRequestSender

__all__ = ["FakeSlack", "RecordedCall", "SlackRequestSender"]
