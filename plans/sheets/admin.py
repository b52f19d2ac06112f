"""The admin's Import and Export buttons."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from plans.sheets.formulas import neutral_dataset


class NeutralXLSX(base_formats.XLSX):
    """Excel, its cells neutralised (plans.sheets.formulas): tablib would make text starting with '=' a formula."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutral_dataset(dataset), **kwargs)


class NeutralCSV(base_formats.CSV):
    """CSV, its cells neutralised (plans.sheets.formulas)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutral_dataset(dataset), **kwargs)


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import and Export buttons on a model's admin list.

    Export writes the list (as filtered) with the model's resource, in CSV or Excel, no text of it a formula.
    Import leads to the Spreadsheets page with the kind chosen, so that an import from the admin gets the same
    checks, preview, all-or-nothing confirmation and record as any other: the library's own import screens are
    not used.
    """

    formats = [NeutralXLSX, NeutralCSV]
    export_form_class = ExportForm

    def _to_upload_page(self):
        return HttpResponseRedirect(f"{reverse('imports')}?kind={self.resource_classes[0].kind}")

    def import_action(self, request, **kwargs):
        return self._to_upload_page()

    def process_import(self, request, **kwargs):
        return self._to_upload_page()
