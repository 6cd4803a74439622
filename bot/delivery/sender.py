"""The outbox sender: every due row, across workspaces, into Slack exactly once.

A drain claims due rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several processes
can share one outbox), groups them into lanes (one channel, or one thread) sent in order, and
runs the lanes on a small thread pool. Each row's outcome is committed on its own.

Exactly once across crashes and failed answers: before each call the row is committed as
`sending` with a lease and its attempt counted; `chat.postMessage` carries the delivery key in
its message metadata. A post whose outcome is unknown (its sender died mid-call, the connection
dropped or timed out before Slack answered, or Slack answered 5xx or `internal_error`, which it
may send after posting) stays `sending`, and before it is sent again it is looked up in the
channel or thread (`bot.delivery.reconcile`): if Slack has it, its `ts` is recorded; only
otherwise is it sent again. Posts are never repeated inside the call: of slack_sdk's retries
they keep only those that cannot post twice (429, a connection that was never made).
Idempotent methods (views.publish, chat.update) are simply sent again.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.attempt import RECONCILED_METHODS, Attempt, Outcome
from bot.delivery.dm_channels import DmChannelCache, DmChannels, OpenHeld, member_of
from bot.delivery.metrics import DELIVERIES
from bot.delivery.reconcile import delivery_metadata, find_delivered
from bot.delivery.retry import Failure, FailureKind, classify, is_slack_or_network_error, retry_delay
from storage.outbox_state import UNSETTLED, OutboxState
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.deps import AppDeps

log = logging.getLogger(__name__)

# A reply whose parent was never queued waits this long (the parent may be in a later commit).
ORPHAN_GRACE = dt.timedelta(hours=1)
MIN_POLL_SECONDS = 0.25


@dataclass
class DrainReport:
    """What one drain did: rows sent, failed for good, rescheduled; rows still unsettled after it."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    pending: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, failed {self.failed}, retried {self.retried}, pending {self.pending}"


def _without_blind_resends(client: WebClient) -> WebClient:
    """The client minus slack_sdk's stock retries on 5xx and dropped connections, which repeat
    any method: a post whose answer was lost or was a 5xx is checked in the channel before it is
    sent again, not repeated within the call. pmpulse's own handlers (`bot.slack_client`) stay:
    they repeat a post only when it cannot have reached Slack."""
    clone = copy.copy(client)
    clone.retry_handlers = [
        handler
        for handler in client.retry_handlers
        if not isinstance(handler, ConnectionErrorRetryHandler | ServerErrorRetryHandler)
    ]
    return clone


class OutboxSender:
    """Drains the outbox through the app's WebClient (slack_sdk retry handlers on)."""

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        client: WebClient,
        clock: Callable[[], dt.datetime],
        max_attempts: int = 6,
        workers: int = 8,
        batch_size: int | None = None,
        lease_seconds: float = 120.0,
        rng: random.Random | None = None,
        dm_channels: DmChannelCache | None = None,
    ) -> None:
        """`dm_channels`: what the process knows of members' DM channels (the app's, shared
        with its listeners), else what this sender learns for itself."""
        self._session_factory = session_factory
        self._client = client
        self._post_client = _without_blind_resends(client)
        self._clock = clock
        self.max_attempts = max_attempts
        self.workers = workers
        self.batch_size = batch_size or workers * 25
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._rng = rng or random.Random()
        self._dms = DmChannels(session_factory=session_factory, client=client, cache=dm_channels)

    def now(self) -> dt.datetime:
        """The app's clock, the one rows were stamped with when enqueued.

        Enqueueing and sending read the same clock, so a job run as if at another time
        (`pmpulse jobs run --at`, the demo, tests) queues rows its sender finds due, and a
        clock set ahead (and frozen, in tests) decides when retries come due.
        """
        return self._clock()

    def drain(self, max_seconds: float | None = None) -> DrainReport:
        """Send what is due. With `max_seconds`, also wait for retries that come due within it."""
        report = DrainReport()
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="outbox") as pool:
            while True:
                claimed = self._claim()
                if claimed:
                    self._send_batch(pool, claimed, report)
                    if deadline is not None and time.monotonic() >= deadline:
                        break
                    continue
                if deadline is None:
                    break
                wait = self._seconds_until_next_due()
                remaining = deadline - time.monotonic()
                if wait is None or wait >= remaining:
                    break
                time.sleep(max(MIN_POLL_SECONDS, wait))
        with UnitOfWork(self._session_factory) as uow:
            depth = uow.outbox.depth()
        report.pending = sum(depth.get(state, 0) for state in UNSETTLED)
        return report

    # -- claiming and lanes ------------------------------------------------------------------

    def _new_lease(self, now: dt.datetime) -> dt.datetime:
        # The random microseconds make the lease value this claimer's own: it doubles as a token.
        return now + self._lease + dt.timedelta(microseconds=self._rng.randrange(1, 1_000_000))

    def _claim(self) -> list[Attempt]:
        now = self.now()
        lease = self._new_lease(now)
        with UnitOfWork(self._session_factory) as uow:
            rows = uow.outbox.claim_due(
                now=now, lease_until=lease, limit=self.batch_size, orphan_before=now - ORPHAN_GRACE
            )
            claimed = [Attempt.of(row, prior, lease) for row, prior in rows]
            uow.commit()
        return claimed

    def _seconds_until_next_due(self) -> float | None:
        with UnitOfWork(self._session_factory) as uow:
            next_due = uow.outbox.next_due_at()
        return None if next_due is None else max(0.0, (next_due - self.now()).total_seconds())

    def _send_batch(self, pool: ThreadPoolExecutor, claimed: list[Attempt], report: DrainReport) -> None:
        self._dms.load(
            (attempt.workspace_id, user)
            for attempt in claimed
            if (user := member_of(attempt.payload.get("channel")))
        )
        lanes: dict[str, list[Attempt]] = {}
        for attempt in claimed:
            lanes.setdefault(attempt.lane, []).append(attempt)
        for outcomes in pool.map(self._send_lane, lanes.values()):
            for outcome in outcomes:
                if outcome is Outcome.SENT:
                    report.sent += 1
                elif outcome is Outcome.FAILED:
                    report.failed += 1
                elif outcome is Outcome.RETRIED:
                    report.retried += 1

    def _send_lane(self, lane: list[Attempt]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for position, attempt in enumerate(lane):
            outcome = self._deliver(attempt)
            outcomes.append(outcome)
            DELIVERIES.labels(attempt.method, outcome.value).inc()
            if outcome is Outcome.RETRIED and attempt.retry_at is not None:
                # Later rows of the lane wait behind it, so a thread or a DM keeps its order.
                for later in lane[position + 1 :]:
                    self._settle(
                        later,
                        state=OutboxState.SENDING if later.unverified else OutboxState.PENDING,
                        next_attempt_at=attempt.retry_at,
                    )
                    outcomes.append(Outcome.DEFERRED)
                break
        return outcomes

    # -- one row --------------------------------------------------------------------------------

    def _deliver(self, attempt: Attempt) -> Outcome:
        try:
            return self._deliver_or_raise(attempt)
        except Exception as exc:  # the delivery layer is where Slack errors are handled, once
            failure = classify(exc)
            if not is_slack_or_network_error(exc):
                log.exception("outbox %s (%s): unexpected error", attempt.id, attempt.key)
            return self._after_failure(attempt, failure)

    def _deliver_or_raise(self, attempt: Attempt) -> Outcome:
        channel: str | None = None
        thread_ts: str | None = None
        if attempt.thread_of:
            with UnitOfWork(self._session_factory) as uow:
                parent = uow.outbox.parent(attempt.workspace_id, attempt.thread_of)
            if parent is None:
                return self._fail(attempt, f"parent {attempt.thread_of} was never queued")
            if parent.state == OutboxState.FAILED:
                return self._fail(attempt, f"parent {attempt.thread_of} failed: {parent.last_error}")
            if not parent.ts or not parent.channel:
                return self._fail(attempt, f"parent {attempt.thread_of} has no message to reply under")
            channel, thread_ts = parent.channel, parent.ts

        if attempt.unverified:
            found = self._reconcile(attempt, thread_ts)
            if found is not None:
                return found
            attempt.unverified = False
        if attempt.recovered and attempt.attempts >= self.max_attempts:
            return self._fail(attempt, f"gave up after {attempt.attempts} attempts: {attempt.last_error}")

        channel = channel or self._known_channel(attempt)
        if not self._begin(attempt, channel):
            return Outcome.LOST
        user = member_of(attempt.payload.get("channel"))
        if channel is None and user is not None:
            try:
                channel = self._dms.open(attempt.workspace_id, user)
            except OpenHeld as held:
                failure = Failure(FailureKind.RATE_LIMITED, str(held), retry_after=held.seconds)
                return self._after_failure(attempt, failure)
            if not self._settle_quietly(attempt, channel=channel):
                return Outcome.LOST

        payload = dict(attempt.payload)
        if channel:
            payload["channel"] = channel
        if thread_ts:
            payload["thread_ts"] = thread_ts
        client = self._client
        if attempt.method in RECONCILED_METHODS:
            payload["metadata"] = delivery_metadata(attempt.key)
            client = self._post_client
        response = client.api_call(attempt.method, json=payload)
        landed = response.get("channel")
        ts = response.get("ts") or response.get("message_ts")
        return self._sent(
            attempt,
            channel=landed if isinstance(landed, str) else channel,
            ts=ts if isinstance(ts, str) else None,
        )

    def _reconcile(self, attempt: Attempt, thread_ts: str | None) -> Outcome | None:
        """Sent before, answer unknown: the outcome if Slack has the message, else None (send it)."""
        assert attempt.channel is not None
        try:
            ts = find_delivered(
                self._client,
                channel=attempt.channel,
                key=attempt.key,
                since=attempt.created_at,
                thread_ts=thread_ts,
            )
        except Exception as exc:
            failure = classify(exc)
            if failure.kind is FailureKind.PERMANENT:
                # Cannot read the channel (a missing history scope...): sending again is all that is left.
                log.warning("outbox %s: cannot check whether Slack has it (%s)", attempt.id, failure.error)
                return None
            return self._after_failure(
                attempt, Failure(failure.kind, f"checking delivery: {failure.error}", failure.retry_after)
            )
        if ts is None:
            return None
        log.info("outbox %s (%s) was delivered before the sender stopped; ts %s", attempt.id, attempt.key, ts)
        return self._sent(attempt, channel=attempt.channel, ts=ts)

    # -- channels -------------------------------------------------------------------------------

    def _known_channel(self, attempt: Attempt) -> str | None:
        target = attempt.payload.get("channel")
        user = member_of(target)
        if user is None:
            return target if isinstance(target, str) else None
        return self._dms.known(attempt.workspace_id, user)

    # -- recording outcomes -----------------------------------------------------------------------

    def _begin(self, attempt: Attempt, channel: str | None) -> bool:
        """Count the attempt and renew the lease, committed before the call goes out."""
        lease = self._new_lease(self.now())
        values: dict[str, Any] = {"attempts": attempt.attempts + 1, "next_attempt_at": lease}
        if channel is not None:
            values["channel"] = channel
        if not self._update(attempt, **values):
            return False
        attempt.attempts += 1
        attempt.lease, attempt.began = lease, True
        attempt.channel = channel or attempt.channel
        return True

    def _sent(self, attempt: Attempt, *, channel: str | None, ts: str | None) -> Outcome:
        done = self._settle(
            attempt, state=OutboxState.SENT, channel=channel, ts=ts, sent_at=self.now(), last_error=None
        )
        return Outcome.SENT if done else Outcome.LOST

    def _fail(self, attempt: Attempt, error: str) -> Outcome:
        log.warning("outbox %s (%s) failed: %s", attempt.id, attempt.key, error)
        done = self._settle(
            attempt, state=OutboxState.FAILED, last_error=error[:2000], attempts=attempt.attempts
        )
        return Outcome.FAILED if done else Outcome.LOST

    def _after_failure(self, attempt: Attempt, failure: Failure) -> Outcome:
        attempts = attempt.attempts if attempt.began else attempt.attempts + 1
        if failure.kind is FailureKind.RATE_LIMITED:
            # Slack refused before doing anything and said when to come back: not a try that counts.
            attempts -= 1
        attempt.attempts = attempts
        if not failure.retryable:
            return self._fail(attempt, failure.error)
        # A post that may have landed stays `sending`: the next try looks for it in Slack first.
        maybe_delivered = (
            attempt.method in RECONCILED_METHODS
            and attempt.channel is not None
            and (failure.kind is FailureKind.UNCERTAIN or attempt.unverified)
        )
        if attempts >= self.max_attempts:
            caveat = " (it may have reached Slack: check before a retry)" if maybe_delivered else ""
            return self._fail(attempt, f"gave up after {attempts} attempts: {failure.error}{caveat}")
        retry_at = self.now() + retry_delay(failure, attempts=attempts, rng=self._rng)
        done = self._settle(
            attempt,
            state=OutboxState.SENDING if maybe_delivered else OutboxState.PENDING,
            next_attempt_at=retry_at,
            attempts=attempts,
            last_error=failure.error[:2000],
        )
        attempt.retry_at = retry_at
        return Outcome.RETRIED if done else Outcome.LOST

    def _settle(self, attempt: Attempt, **values: Any) -> bool:
        if self._update(attempt, **values):
            return True
        log.warning("outbox %s (%s): lease lost to another sender, left to it", attempt.id, attempt.key)
        return False

    def _settle_quietly(self, attempt: Attempt, **values: Any) -> bool:
        if not self._update(attempt, **values):
            return False
        attempt.channel = values.get("channel", attempt.channel)
        return True

    def _update(self, attempt: Attempt, **values: Any) -> bool:
        with UnitOfWork(self._session_factory) as uow:
            done = uow.outbox.update_leased(attempt.id, lease=attempt.lease, **values)
            uow.commit()
        return done


def drain_now(deps: AppDeps, *, max_seconds: float | None = None) -> DrainReport:
    """Drain the outbox with the app's client and clock (after a job or a listener enqueued)."""
    sender = OutboxSender(
        session_factory=deps.session_factory,
        client=deps.client,
        clock=deps.clock,
        dm_channels=deps.dm_channels,
    )
    return sender.drain(max_seconds=max_seconds)
