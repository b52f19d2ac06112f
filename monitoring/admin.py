"""Admin for the reporting cycle: read-only views of returns and progress.

Progress, values and statuses change only through the workflow's services, which check the lock and record
each move; the admin shows them, and their history, but cannot edit them.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from simple_history.admin import SimpleHistoryAdmin

from monitoring import models
from monitoring.templatetags.formatting import number
from plans import partnerships
from plans.admin_mixins import HistoryOfVisibleRowsOnly, RevertNeedsChangePermission
from plans.models import Membership

admin.site.site_header = "Partnership Monitor administration"
admin.site.site_title = "Partnership Monitor"
admin.site.index_title = "Plans, people, indicators and funding"


class NoWrites:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(HistoryOfVisibleRowsOnly, RevertNeedsChangePermission, NoWrites, SimpleHistoryAdmin):
    """For models with a history: shown, with their history, never written."""


class RecordAdmin(NoWrites, admin.ModelAdmin):
    """For records of what happened (moves, reminders, imports): shown, never written."""


@admin.register(models.ReportingRound)
class ReportingRoundAdmin(admin.ModelAdmin):
    list_display = ["period", "due_date", "status", "opened_by", "opened_at"]
    list_filter = ["status", "period__kind"]
    readonly_fields = ["period", "status", "opened_by", "opened_at", "closed_at"]

    def has_add_permission(self, request):
        return False  # Opening a round creates its returns: use the Rounds page.

    def has_delete_permission(self, request, obj=None):
        return False


class ShowsOutputs:
    """Outputs printed as the pages print them (1,200, not 1200.00); they are entered only on the progress form,
    whose services hold the rules ('1,200' is 1200, whole numbers when the target is)."""

    @admin.display(description="Outputs achieved", ordering="outputs_achieved")
    def outputs(self, progress: models.ProgressReport) -> str:
        return number(progress.outputs_achieved) or "-"

    @admin.display(description="Outputs not available this period")
    def not_available(self, progress: models.ProgressReport) -> str:
        return progress.outputs_not_available_reason or "-"


class ProgressInline(ShowsOutputs, admin.TabularInline):
    model = models.ProgressReport
    fields = ["action", "status", "rag", "outputs", "not_available", "narrative", "updated_by",
              "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ["plan", "round", "status", "signed_off_by", "signed_off_at"]
    list_filter = ["status", "round", "plan"]
    search_fields = ["plan__reference", "plan__title"]
    list_select_related = ["plan", "round__period", "signed_off_by"]
    inlines = [ProgressInline]


@admin.register(models.ProgressReport)
class ProgressReportAdmin(ShowsOutputs, ReadOnlyAdmin):
    list_display = ["action", "report", "status", "rag", "outputs", "updated_by", "updated_at"]
    fields = ["report", "action", "status", "narrative", "rag", "outputs", "not_available",
              "reviewer_comment", "updated_by", "updated_at", "version"]
    readonly_fields = fields
    list_filter = ["status", "rag", "report__round"]
    search_fields = ["action__title", "narrative"]
    list_select_related = ["action", "report__plan", "report__round__period", "updated_by"]


@admin.register(models.WorkflowEvent)
class WorkflowEventAdmin(RecordAdmin):
    list_display = ["at", "report", "move", "from_status", "to_status", "user", "comment"]
    list_filter = ["move", "to_status"]
    list_select_related = ["report__plan", "report__round__period", "user"]


@admin.register(models.ReminderSent)
class ReminderSentAdmin(RecordAdmin):
    list_display = ["sent_at", "round", "person", "kind"]
    list_filter = ["kind", "round"]


@admin.register(models.ImportRecord)
class ImportRecordAdmin(RecordAdmin):
    list_display = ["at", "kind", "file_name", "user", "via", "rows", "created", "changed", "unchanged"]
    list_filter = ["kind", "via"]
    search_fields = ["file_name", "user__username"]
    list_select_related = ["user"]


class PartnershipUserAdmin(UserAdmin):
    """Logins, as a partnership's performance officer sees them: the people who hold a role in their partnership,
    and logins that hold no role anywhere yet (to be given one). A site administrator sees every login."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        ids = partnerships.visible_ids()
        if ids is None:
            return queryset
        in_scope = Membership.objects.filter(user=OuterRef("pk"), partnership__in=sorted(ids))
        with partnerships.within(partnerships.EVERY_PARTNERSHIP):  # a role in any partnership counts
            anywhere = Membership.objects.filter(user=OuterRef("pk"))
        return queryset.filter(Exists(in_scope) | ~Exists(anywhere))

    def has_change_permission(self, request, obj=None):
        # Only a site administrator changes another site administrator's login.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(User)
admin.site.register(User, PartnershipUserAdmin)
