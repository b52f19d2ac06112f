from django.contrib import admin

from plans import models
from plans.resources import ActionResource, RiskResource
from plans.sheets import SpreadsheetAdminMixin


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    """Partnerships: a site administrator (a superuser) adds and removes them; a partnership's performance officer
    sees only their own (plans.partnerships scopes the list), and manages who holds which role in it."""

    list_display = ["name", "is_active"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "partnership"]
    list_filter = ["role", "partnership"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "partnership__name"]
    autocomplete_fields = ["user"]


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name"]
    search_fields = ["short_name", "name"]


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "organisation", "user", "email"]
    list_filter = ["organisation"]
    search_fields = ["name", "job_title", "email", "user__username"]
    autocomplete_fields = ["organisation", "user"]


@admin.register(models.Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "start", "end"]
    list_filter = ["kind"]
    readonly_fields = ["end"]
    search_fields = ["start"]


class PlanRoleInline(admin.TabularInline):
    model = models.PlanRole
    extra = 0
    autocomplete_fields = ["person"]


class SectionInline(admin.StackedInline):
    model = models.Section
    extra = 0
    fields = [("position", "number", "kind"), "heading", "parent", "prompt", "body"]
    show_change_link = True


class ReporterChoiceMixin:
    """Offer as reporter only people with a login (the field's limit_choices_to), refusing anyone else in words."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reporter":
            kwargs["error_messages"] = {"invalid_choice": models.REPORTER_NEEDS_LOGIN}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReporterInline(ReporterChoiceMixin, admin.TabularInline):
    """Who reports each of the plan's actions: the lead officer when they have a login, else the person named
    here, else a performance officer (DeliveryAction.who_reports)."""

    model = models.DeliveryAction
    fk_name = "plan"
    extra = 0
    can_delete = False
    fields = ["position", "title", "lead", "reporter"]
    readonly_fields = ["position", "title", "lead"]
    autocomplete_fields = ["reporter"]
    verbose_name = "reporter"
    verbose_name_plural = "Who reports each action"

    def get_queryset(self, request):
        return super().get_queryset(request).with_reporters()

    def has_add_permission(self, request, obj=None):
        return False  # actions are added on their own page; this only names who reports them

    @admin.display(description="lead")
    def lead(self, action):
        lead = action.lead_name or "No lead named"
        if action.has_lead_with_login:
            return f"{lead} (has a login and reports it)"
        return f"{lead} (no login: name a reporter, or a performance officer reports it)"


@admin.register(models.Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "kind", "lead_organisation", "reporting_frequency", "years_label", "is_active"]
    list_filter = ["kind", "reporting_frequency", "lead_organisation", "is_active"]
    search_fields = ["reference", "title", "theme"]
    autocomplete_fields = ["lead_organisation"]
    inlines = [PlanRoleInline, SectionInline, ReporterInline]


@admin.register(models.Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "kind", "position", "parent"]
    list_filter = ["plan", "kind"]
    search_fields = ["heading", "body"]


class ActionTargetInline(admin.TabularInline):
    model = models.ActionTarget
    extra = 0


@admin.register(models.DeliveryAction)
class DeliveryActionAdmin(ReporterChoiceMixin, SpreadsheetAdminMixin, admin.ModelAdmin):
    resource_classes = [ActionResource]
    list_display = ["title", "plan", "position", "flow_label", "lead_text", "lead_officer", "reporter"]
    list_filter = ["plan", "on_flow", "flow_time", "off_flow", "lead_organisations"]
    search_fields = ["title", "description", "client_group", "lead_text", "lead_officer__name", "reporter__name"]
    autocomplete_fields = ["lead_officer", "reporter", "lead_organisations"]
    list_select_related = ["plan", "lead_officer", "reporter"]
    inlines = [ActionTargetInline]

    def has_delete_permission(self, request, obj=None):
        # An action a signed-off return holds is part of that record; the model refuses it too, for every route.
        return super().has_delete_permission(request, obj) and not (obj and obj.is_sealed)


@admin.register(models.ActionGroup)
class ActionGroupAdmin(admin.ModelAdmin):
    list_display = ["title", "plan"]
    list_filter = ["plan"]
    search_fields = ["title"]


class KeyActivityInline(ReporterChoiceMixin, admin.StackedInline):
    model = models.DeliveryAction
    fk_name = "priority"
    extra = 0
    fields = [("position", "reference"), "title", "description", "timescale", "performance_measures", "lead_officer",
              "reporter"]
    autocomplete_fields = ["lead_officer", "reporter"]


class ContributionInline(admin.TabularInline):
    model = models.ObjectiveContribution
    extra = 0
    filter_horizontal = ["outcomes"]


@admin.register(models.Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "details"]
    list_filter = ["plan"]
    search_fields = ["details"]
    inlines = [KeyActivityInline, ContributionInline]


class OutcomeInline(admin.TabularInline):
    model = models.CorporateOutcome
    extra = 0


@admin.register(models.CorporateObjective)
class CorporateObjectiveAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]
    inlines = [OutcomeInline]


@admin.register(models.KeyMeasure)
class KeyMeasureAdmin(admin.ModelAdmin):
    list_display = ["measure", "plan", "priority", "target"]
    list_filter = ["plan"]
    search_fields = ["measure", "target"]


@admin.register(models.Risk)
class RiskAdmin(SpreadsheetAdminMixin, admin.ModelAdmin):
    resource_classes = [RiskResource]
    list_display = ["risk", "plan", "owner", "likelihood", "impact", "score", "review_date"]
    list_filter = ["plan", "likelihood", "impact"]
    search_fields = ["risk", "mitigation"]
    autocomplete_fields = ["owner"]


@admin.register(models.Seal)
class SealAdmin(admin.ModelAdmin):
    """Signed-off returns' seals: shown, never written here (only sign-off makes them, only reopening removes them)."""

    list_display = ["plan", "period", "sealed_at"]
    list_filter = ["plan"]
    list_select_related = ["plan", "period"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
