"""`lms worker`: runs outbox delivery tasks from the broker until stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import click

from lms_cli.output import config_failure, load_settings


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1000),
    default=8,
    show_default=True,
    help="Tasks run at once (handlers mostly wait on mail servers and the database).",
)
def worker(concurrency: int) -> None:
    """Run the delivery tasks the servers queue on LMS_BROKER_URL (e-mails and other event handlers).
    Start one or more next to `lms serve`; SIGTERM finishes the tasks already started, then exits."""
    import asyncio
    import signal

    from lms_adapters.settings import ConfigurationError
    from lms_adapters.tasks.worker import run_worker

    settings = load_settings()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(
            settings,
            concurrency=concurrency,
            stop=stop,
            on_ready=lambda: click.echo(f"lms worker ready ({concurrency} at a time)", err=True),
        )

    try:
        asyncio.run(main())
    except ConfigurationError as exc:
        config_failure(exc)
    click.echo("lms worker stopped", err=True)
