from django.contrib import admin

from indicators import models


class IndicatorTargetInline(admin.TabularInline):
    model = models.IndicatorTarget
    extra = 0


class PlanIndicatorInline(admin.TabularInline):
    model = models.PlanIndicator
    extra = 0
    autocomplete_fields = ["plan"]


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "polarity", "decimal_places", "baseline_label", "data_expert"]
    list_filter = ["unit", "polarity", "plan_links__plan"]
    search_fields = ["code", "name", "description"]
    autocomplete_fields = ["data_expert", "owners", "baseline_period"]
    list_select_related = ["baseline_period", "data_expert"]
    inlines = [IndicatorTargetInline, PlanIndicatorInline]


@admin.register(models.IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "period", "value", "is_illustrative"]
    list_filter = ["period__kind", "is_illustrative", "indicator"]
    search_fields = ["indicator__code", "indicator__name", "commentary"]
    autocomplete_fields = ["indicator", "period"]
    list_select_related = ["indicator", "period"]


@admin.register(models.PlanIndicator)
class PlanIndicatorAdmin(admin.ModelAdmin):
    list_display = ["plan", "indicator", "role", "position"]
    list_filter = ["plan", "role"]
    search_fields = ["indicator__code", "indicator__name", "plan__reference"]
