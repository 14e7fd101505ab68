"""Prefect flows: thin wrappers around plain functions (tested without Prefect); `prefect.yaml` schedules them."""

from __future__ import annotations

from typing import Any

from prefect import flow

from workflows import tick as jobs


@flow(name="fire-due-timers", log_prints=True)
def fire_due_timers_flow() -> dict[str, Any]:
    """One scheduler round (`workflows.tick.tick`, like `beian tick`): due timers, then due notifications.

    Timers and outbox rows are claimed in Beian's database, so overlapping runs are safe."""
    report = jobs.tick()
    print(f"fired {report['fired']} timers, delivered {report['delivered']} notifications; failed timers "
          f"{report['failed']}, busy {report['busy']}, undelivered {report['undelivered']}")
    return report


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
