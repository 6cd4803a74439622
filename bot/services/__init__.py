"""Use cases: open a unit of work, call repositories and domain rules, commit once.

Nothing here imports slack_bolt or slack_sdk; Slack data comes in as plain values.
"""
