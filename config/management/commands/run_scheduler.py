"""The scheduler process of `make run`: enqueues periodic jobs for the Dramatiq workers."""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand

from config.schedule import scheduled_jobs

logger = logging.getLogger("compa.scheduler")


class Command(BaseCommand):
    help = "Run the periodic-job scheduler (one per deployment)."

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
        for job in scheduled_jobs():
            scheduler.add_job(job.enqueue, job.trigger, name=job.name, misfire_grace_time=300)
            logger.info("scheduled %s (%s)", job.name, job.trigger)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            logger.info("scheduler stopped")
