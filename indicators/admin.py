from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin

from indicators import models
from indicators.resources import IndicatorResource, IndicatorValueResource
from plans.admin_mixins import HistoryOfVisibleRowsOnly, RevertNeedsChangePermission
from plans.sheets import SpreadsheetAdminMixin


class IndicatorTargetInline(admin.TabularInline):
    model = models.IndicatorTarget
    extra = 0


class SealedLinksFormSet(BaseInlineFormSet):
    """Refuse, in the form, to remove an indicator from a plan whose signed-off return holds it."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None and form.instance.is_sealed:
                raise ValidationError(models.LINK_SEALED.format(link=form.instance))


class PlanIndicatorInline(admin.TabularInline):
    model = models.PlanIndicator
    formset = SealedLinksFormSet
    extra = 0
    autocomplete_fields = ["plan"]


@admin.register(models.Indicator)
class IndicatorAdmin(SpreadsheetAdminMixin, admin.ModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "unit", "polarity", "decimal_places", "baseline_label", "data_expert"]
    list_filter = ["unit", "polarity", "plan_links__plan"]
    search_fields = ["code", "name", "description"]
    autocomplete_fields = ["data_expert", "owners", "baseline_period"]
    list_select_related = ["baseline_period", "data_expert"]
    inlines = [IndicatorTargetInline, PlanIndicatorInline]


@admin.register(models.IndicatorValue)
class IndicatorValueAdmin(HistoryOfVisibleRowsOnly, RevertNeedsChangePermission, SpreadsheetAdminMixin, SimpleHistoryAdmin):
    """Values are entered through returns; the admin may correct a value only until it is signed off."""

    resource_classes = [IndicatorValueResource]
    list_display = ["indicator", "period", "value", "status", "is_illustrative"]
    list_filter = ["status", "period__kind", "is_illustrative", "indicator"]
    readonly_fields = ["status", "version", "entered_by", "updated_at"]
    search_fields = ["indicator__code", "indicator__name", "commentary"]
    autocomplete_fields = ["indicator", "period"]
    list_select_related = ["indicator", "period"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and (obj.is_signed_off or obj.is_sealed))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and (obj.is_signed_off or obj.is_sealed))

    def get_actions(self, request):
        # Bulk deletion would reach signed-off values past the per-object check.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(models.PlanIndicator)
class PlanIndicatorAdmin(admin.ModelAdmin):
    list_display = ["plan", "indicator", "role", "position"]
    list_filter = ["plan", "role"]
    search_fields = ["indicator__code", "indicator__name", "plan__reference"]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_sealed)

    def get_actions(self, request):
        # Bulk deletion would reach links that signed-off returns hold past the per-object check.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
