"""The deadline a request's database work must keep, for the layers above storage.

Slack waits 3 seconds for a request's answer. The HTTP edge notes when a request reached the
app; a modal's submission is saved only if it can be before `ANSWER_WITHIN` of that has passed
(see `storage.deadline` for how each database is held to it), and is answered "busy, submit
again" otherwise, with nothing saved.
"""

from __future__ import annotations

import time

from storage.deadline import TooLate, ending_by, lift, ran_out_of_time

__all__ = ["ANSWER_WITHIN", "TooLate", "answer_deadline", "ending_by", "lift", "ran_out_of_time"]

# Seconds after a request reached the app by which its save must commit. Slack gives up at 3 s;
# the 0.5 s left covers the rollback or commit itself, building the answer, its way back to Slack,
# and the time the request spent reaching the app before it was noted (a busy server's queue).
ANSWER_WITHIN = 2.5


def answer_deadline(received_at: float | None) -> float:
    """The `time.monotonic()` by which a request received at `received_at` must be saved.

    Without a time of arrival (the request came another way than the HTTP edge), from now.
    """
    return (time.monotonic() if received_at is None else received_at) + ANSWER_WITHIN
