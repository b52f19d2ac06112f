"""Background work: the committee pack, built by `manage.py db_worker` (django-tasks' database backend)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.core.files import File
from django.utils import timezone
from django_tasks import task

from monitoring import reports
from monitoring.models import ReportJob
from plans import partnerships

logger = logging.getLogger(__name__)

FAILED_MESSAGE = "The pack could not be built. Try again, or ask a performance officer to look at the worker's log."


@task()
def build_committee_pack(job_id: int) -> int:
    """Build the job's committee pack, recording progress as each part is done; return its number of pages.

    The pack is its partnership's: the worker builds it within that partnership's scope (plans.partnerships).
    """
    with partnerships.within(partnerships.EVERY_PARTNERSHIP):
        partnership_id = ReportJob.objects.values_list("partnership", flat=True).get(pk=job_id)
    with partnerships.within([partnership_id]):
        return _build(job_id)


def _build(job_id: int) -> int:
    job = ReportJob.objects.select_related("period").get(pk=job_id)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, stage="Starting")

    def progress(done: int, total: int, stage: str) -> None:
        percent = min(99, done * 100 // max(total, 1))
        ReportJob.objects.filter(pk=job.pk).update(progress=percent, stage=stage[:200])

    references = list(job.plans.order_by("reference").values_list("reference", flat=True))
    try:
        with tempfile.TemporaryDirectory(prefix="report-job-") as folder:
            output = Path(folder) / reports.committee_pack_filename(job.period)
            result = reports.committee_pack(job.period, output, references=references or None, on_progress=progress)
            with output.open("rb") as stream:
                job.file.save(output.name, File(stream), save=False)
    except Exception as error:
        logger.exception("Committee pack %s failed", job.pk)
        message = str(error) if isinstance(error, reports.ReportError) else FAILED_MESSAGE
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED, error=message, stage="", finished_at=timezone.now()
        )
        raise
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.READY, progress=100, stage="", file=job.file.name, pages=result.pages,
        finished_at=timezone.now(),
    )
    return result.pages


