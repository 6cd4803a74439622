"""Delivery: the outbox (what to send, once) and the sender that drains it into Slack."""
