"""pmpulse: the management rhythm of a bank product-manager team, inside Slack."""

__version__ = "0.1.0"
