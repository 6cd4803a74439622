"""The roster's job: members' names, timezones and locales kept in step with Slack, once a day.

Each workspace refreshes in its own transaction, so one workspace's failure (Slack refusing its
token, bad data) is logged, counted in `pmpulse_job_failures_total`, and leaves the others to run.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.deps import AppDeps
from bot.metrics import FailureScope, count_job_failure
from bot.services import roster
from bot.services.workspaces import serves_team
from bot.slack_profiles import profile_lookup

log = logging.getLogger(__name__)


def refresh_profiles(deps: AppDeps, now: dt.datetime) -> str:
    """Names, timezones and locales from users.info, once a day per member."""
    lookup = profile_lookup(deps.client)
    total = 0
    with deps.uow() as uow:
        workspace_ids = [
            w.id
            for w in uow.workspaces.list()
            if w.active and serves_team(w.slack_team_id, token_team_id=deps.token_team_id)
        ]
    failed = 0
    for workspace_id in workspace_ids:
        try:
            with deps.uow(workspace_id) as uow:
                total += roster.refresh_profiles(
                    uow, lookup, older_than=now - dt.timedelta(hours=20), now=now
                )
        except Exception:  # one workspace's failure leaves the others' refresh to run
            log.exception("job refresh-profiles: workspace %s failed and was skipped", workspace_id)
            count_job_failure("refresh-profiles", FailureScope.WORKSPACE)
            failed += 1
    return f"refreshed {total} member profiles" + (f"; {failed} workspaces failed" if failed else "")
