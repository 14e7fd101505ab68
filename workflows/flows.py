"""Prefect flows: thin wrappers around plain functions (tested without Prefect); see `prefect.yaml`."""

from __future__ import annotations

from typing import Any

from prefect import flow

from workflows import tick as jobs


@flow(name="fire-due-timers", log_prints=True)
def fire_due_timers_flow() -> dict[str, int]:
    """Fire every due timer once (claimed in the database, so overlapping runs are safe)."""
    from workflows.sweep import fire_due_timers

    report = fire_due_timers()
    return {"fired": report.fired, "failed": len(report.failed), "busy": len(report.busy)}


@flow(name="deliver-notifications", log_prints=True)
def deliver_notifications_flow() -> dict[str, int]:
    """Deliver due outbox rows (inbox, SMTP)."""
    from workflows.notify import deliver_due

    report = deliver_due()
    return {"sent": len(report.sent), "failed": len(report.failed)}


@flow(name="expiry-watch", log_prints=True)
def expiry_watch_flow() -> dict[str, Any]:
    """Daily consistency check of validity periods and the holiday table."""
    return jobs.expiry_watch()


@flow(name="assessment-campaign", log_prints=True)
def assessment_campaign_flow(jurisdiction: str = "50", year: int | None = None) -> dict[str, Any]:
    """Start the annual assessment (default: last year, by the product clock) for a jurisdiction."""
    from workflows.campaigns import start_campaign
    from workflows.clock import load_clock
    from workflows.db import read_session

    with read_session() as session:
        year = year or load_clock(session).today().year - 1
    report = start_campaign(year, jurisdiction, "prefect")
    return {"campaign_id": report.campaign_id, "started": len(report.started), "skipped": report.skip_reasons}


DEPLOYMENTS = {  # name → (flow, interval seconds or cron)
    "fire-due-timers": (fire_due_timers_flow, 60),
    "deliver-notifications": (deliver_notifications_flow, 60),
    "expiry-watch": (expiry_watch_flow, "0 6 * * *"),
}
