"""`lms scheduler`: sends the periodic jobs (e-mails, overdue attempts, expired secrets) until stopped."""

from __future__ import annotations

import click

from lms_cli.output import config_failure, load_settings


@click.command("scheduler")
def scheduler() -> None:
    """Run the periodic jobs on their LMS_SCHEDULE_* cron schedules (UTC): weekly progress e-mails, reminders,
    closing overdue quiz attempts, purging expired secrets. With LMS_BROKER_URL the jobs run in `lms worker`
    processes; without it, here. SIGTERM lets a job already running finish, then exits."""
    import asyncio
    import signal

    from lms_adapters.settings import ConfigurationError
    from lms_adapters.tasks.scheduler import build_schedules, run_scheduler

    settings = load_settings()
    try:
        # Checked before anything starts, so a typo in a cron string stops the command at once.
        build_schedules(settings)
    except ConfigurationError as exc:
        config_failure(exc)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)

        def ready(schedules: list[str]) -> None:
            click.echo("lms scheduler ready: " + "; ".join(schedules), err=True)

        await run_scheduler(settings, stop=stop, on_ready=ready)

    try:
        asyncio.run(main())
    except ConfigurationError as exc:
        config_failure(exc)
    click.echo("lms scheduler stopped", err=True)
