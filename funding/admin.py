from django.contrib import admin

from funding import models
from funding.resources import FundingLineResource
from plans.sheets import SpreadsheetAdminMixin


class FundingAmountInline(admin.TabularInline):
    model = models.FundingAmount
    extra = 0


@admin.register(models.FundingLine)
class FundingLineAdmin(SpreadsheetAdminMixin, admin.ModelAdmin):
    resource_classes = [FundingLineResource]
    list_display = ["name", "plan", "position", "comment"]
    list_filter = ["plan"]
    search_fields = ["name", "comment"]
    inlines = [FundingAmountInline]


class BudgetYearInline(admin.TabularInline):
    model = models.BudgetYear
    extra = 0


class BudgetEntryInline(admin.TabularInline):
    model = models.BudgetEntry
    extra = 0


@admin.register(models.BudgetTable)
class BudgetTableAdmin(admin.ModelAdmin):
    list_display = ["plan", "title", "unit_label"]
    search_fields = ["plan__reference", "title"]
    inlines = [BudgetYearInline, BudgetEntryInline]
