"""The reporting cycle: rounds, returns, progress on actions, the moves of the workflow, and reminders."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from indicators.models import EntryStatus
from monitoring.audit import DETAIL_LENGTH, Via, through_label
from plans.models import REPORTED_TEXT, DeliveryAction, Period, Person, Plan, Seal, partnership_field, text_field
from plans.partnerships import PartnershipOwned, ScopedManager
from plans.seals import SealGuardedQuerySet, refuse_sealed


class ReportingRound(PartnershipOwned):
    """A reporting round for one period: every active plan reporting at that frequency gets a return."""

    partnership_path = "partnership"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    partnership = partnership_field(related_name="reporting_rounds")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="reporting_rounds")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period__start", "partnership"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "period"], name="round_unique_period",
                                    violation_error_message="The partnership already has a round for this period."),
        ]

    def __str__(self):
        return f"Round {self.period.label}"

    def get_absolute_url(self):
        return reverse("round_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and (today or timezone.localdate()) > self.due_date


class Return(PartnershipOwned):
    """One plan's return for one round: progress on its actions and its indicators' values."""

    partnership_path = "plan__partnership"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SIGNED_OFF = "signed_off", "Signed off"

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="returns")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    signed_off_by = models.ForeignKey(  # PROTECT: the record must go on naming who signed; deactivate instead
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    is_illustrative = models.BooleanField(default=False, help_text="Demonstration data, not a real return.")
    history = HistoricalRecords()

    objects = ScopedManager.from_queryset(SealGuardedQuerySet)()

    class Meta:
        ordering = ["-round__period__start", "plan__reference"]
        constraints = [models.UniqueConstraint(fields=["round", "plan"], name="return_unique_plan_per_round")]

    def __str__(self):
        return f"{self.plan.reference} {self.round.period.label}"

    def get_absolute_url(self):
        return reverse("return_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        refuse_sealed(Return.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def period(self) -> Period:
        return self.round.period

    @property
    def is_signed_off(self) -> bool:
        return self.status == self.Status.SIGNED_OFF

    @staticmethod
    def sealed_rows(queryset):
        """Return the signed-off returns among the queryset: those a seal holds."""
        return queryset.filter(Exists(Seal.objects.filter(plan=OuterRef("plan"), period=OuterRef("round__period"))))

    @property
    def is_editable(self) -> bool:
        """Return True while progress and values may still change: round open, not signed off."""
        return self.round.is_open and not self.is_signed_off


class ProgressReport(PartnershipOwned):
    """A lead officer's progress on one action for one return."""

    partnership_path = "report__plan__partnership"

    class Rag(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    report = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="progress_reports")
    action = models.ForeignKey(DeliveryAction, on_delete=models.PROTECT, related_name="progress_reports")
    status = models.CharField(max_length=12, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    narrative = text_field(REPORTED_TEXT, blank=True)
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True, verbose_name="RAG status")
    outputs_achieved = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))],
        help_text="Outputs achieved in this period.",
    )
    outputs_not_available_reason = text_field(
        REPORTED_TEXT, blank=True, help_text="Why the outputs are not available this period, when they are not.",
    )
    rag_reason = text_field(
        REPORTED_TEXT, blank=True, verbose_name="reason for the RAG status",
        help_text="Why the RAG status differs from the one the outputs suggest, when it does.",
    )
    reviewer_comment = text_field(
        REPORTED_TEXT, blank=True, help_text="Why the indicator owner sent it back."
    )
    updated_by = models.ForeignKey(  # PROTECT: the record must go on naming who entered it; deactivate instead
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Goes up with every save; refuses stale edits.")
    history = HistoricalRecords()

    objects = ScopedManager.from_queryset(SealGuardedQuerySet)()

    class Meta:
        ordering = ["report", "action__position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "action"], name="progress_unique_action_per_return"),
            models.CheckConstraint(
                condition=Q(outputs_achieved__gte=0) | Q(outputs_achieved__isnull=True), name="progress_outputs_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.action} – {self.report}"

    def delete(self, *args, **kwargs):
        refuse_sealed(ProgressReport.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @staticmethod
    def sealed_rows(queryset):
        """Return the entries among the queryset that a signed-off return holds."""
        return queryset.filter(Exists(Seal.objects.filter(
            plan=OuterRef("report__plan"), period=OuterRef("report__round__period"))))

    @property
    def is_signed_off(self) -> bool:
        return self.status == EntryStatus.SIGNED_OFF


class WorkflowEvent(PartnershipOwned):
    """A recorded move of the workflow: who moved what, from which status to which, when and why."""

    partnership_path = "report__plan__partnership"

    report = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    progress = models.ForeignKey(ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    indicator_value = models.ForeignKey(
        "indicators.IndicatorValue", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    move = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    # PROTECT: the history must go on naming who moved, signed and reopened; deactivate a leaver instead.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = text_field(REPORTED_TEXT, blank=True)
    # Through what the move came (monitoring.audit), stamped by make_move. NULL: recorded before the channel was kept
    # (migration 0012), shown like the web page. Nullable without a default so that SQLite adds the columns in place
    # rather than rebuilding the table its seal triggers read.
    via = models.CharField(max_length=10, choices=Via.choices, null=True, blank=True)
    via_detail = models.CharField(max_length=DETAIL_LENGTH, null=True, blank=True,
                                  help_text="Which token (or file, or command) it came through.")

    Via = Via  # WorkflowEvent.Via, as ImportRecord.Via

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.move}: {self.from_status} -> {self.to_status}"

    @property
    def through(self) -> str:
        """How the move came in, as the history shows it beside who made it ("" for the web page)."""
        return through_label(self.via, self.via_detail or "")


class ReminderSent(PartnershipOwned):
    """A reminder already sent, so that the daily reminder run sends each one once."""

    partnership_path = "round__partnership"

    class Kind(models.TextChoices):
        OPENED = "opened", "Round opened"
        DUE_SOON = "due_soon", "Due in 7 days"
        OVERDUE = "overdue", "Overdue"

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "person", "kind"], name="reminder_sent_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.person} ({self.round})"


class ReportJob(PartnershipOwned):
    """A committee pack built in the background: who asked for it, how far it has got, and the PDF once made."""

    partnership_path = "partnership"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    partnership = partnership_field()
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    plans = models.ManyToManyField(Plan, blank=True, related_name="+", help_text="None chosen: every plan reported.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    stage = models.CharField(max_length=200, blank=True, help_text="What the builder is doing now.")
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="reportjob_progress_at_most_100"),
        ]

    def __str__(self):
        return f"Committee pack {self.period.label} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("report_job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)


class ImportRecord(PartnershipOwned):
    """A spreadsheet import that was applied: who, when, which file, what it held and how many rows it changed.

    Each value it changed also keeps its own history, with the importing user and "Import <id>: <file>" as the
    reason, so that a figure can be traced back to the file it came from.
    """

    partnership_path = "partnership"

    class Via(models.TextChoices):
        PAGE = "page", "Upload page"
        COMMAND = "command", "Command line"

    # Nullable only so that the column is added in place: every import is recorded with its partnership.
    partnership = partnership_field(null=True)
    kind = models.CharField(max_length=20, help_text="What the file held: values, actions, plan, ...")
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveIntegerField(help_text="In bytes.")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file, to recognise it again.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.PAGE)
    at = models.DateTimeField(default=timezone.now)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0, help_text="Rows that added something new.")
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True, help_text="Counts per sheet of a whole-plan workbook.")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"Import {self.pk}: {self.file_name}"

    def get_absolute_url(self):
        return reverse("import_record", args=[self.pk])


from monitoring.api.tokens import ApiToken  # noqa: E402, F401  (kept with the API; imported so Django finds it)
