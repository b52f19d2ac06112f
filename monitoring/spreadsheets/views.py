"""The spreadsheet pages: upload a file, see what it would do, confirm it; download templates and exports.

An upload is checked at once and nothing is saved: the page shows every problem by row and column, or what the
file would add and change. The file waits (monitoring.spreadsheets.pending: under MEDIA_ROOT/imports/pending, named
by a random token kept in the uploader's session, at most a few a person and for at most a day) until its uploader
confirms; the confirmation checks it again, since the data may have moved on meanwhile, and applies it all or not
at all. Values far outside their indicator's history are listed on the preview, and the confirmation must carry
the "I have checked these values" box for them, as the value form asks; without it nothing is applied and the
preview is shown again with the box marked as an error. Everyone signed in may download templates and exports
(every plan is readable by every user); only performance officers and data experts may upload.
"""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators.models import IndicatorValue
from monitoring import permissions, uploads
from monitoring.forms import GovukFormMixin
from monitoring.models import ImportRecord
from monitoring.partnership_scope import works_in_one_partnership
from monitoring.spreadsheets import files, imports, pending, workbook
from monitoring.spreadsheets.outcome import checksum
from plans.models import Plan

SESSION_PREFIX = "pending-import-"
RECENT_IMPORTS = 20
CONFLICT = 409
FORMATS = {"xlsx": files.XLSX_TYPE, "csv": files.CSV_TYPE}
OUTLIERS_NOT_CONFIRMED = "Confirm that you have checked the values far outside their indicator's earlier values"


def _size_label(size: int) -> str:
    """Return a size as GOV.UK's file upload messages write it: 5MB, 500KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g}MB"
    return f"{size // 1024}KB" if size >= 1024 else f"{size} bytes"


class UploadForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What does the file hold?", widget=forms.RadioSelect,
        error_messages={"required": "Select what the file holds"},
    )
    file = forms.FileField(
        label="Upload a file", error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, imports.kind_label(kind)) for kind in kinds]
        if len(kinds) == 1:
            self.initial.setdefault("kind", kinds[0])
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        self.fields["file"].help_text = f"An Excel workbook (.xlsx) or a CSV file, smaller than {_size_label(limit)}."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            uploads.check_upload(upload, max_size=settings.IMPORT_MAX_UPLOAD_BYTES)
        except ValidationError as error:
            if error.code == "too_large":
                raise ValidationError(
                    f"The selected file must be smaller than {_size_label(settings.IMPORT_MAX_UPLOAD_BYTES)}"
                ) from None
            if error.code == "wrong_type":
                upload.seek(0)
                hint = files.what_it_looks_like(upload.read())  # under the size limit, checked first
                upload.seek(0)
                raise ValidationError(f"{error.messages[0]}.{hint}") from None
            raise
        return upload


class ConfirmOutliersForm(GovukFormMixin, forms.Form):
    """The preview's "I have checked these values" box, shown when the file holds values far outside their history."""

    confirm_outliers = forms.BooleanField(label="I have checked these values",
                                          error_messages={"required": OUTLIERS_NOT_CONFIRMED})


class ExportForm(GovukFormMixin, forms.Form):
    what = forms.ChoiceField(label="What to download", widget=forms.RadioSelect,
                             error_messages={"required": "Select what to download"})
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.none(), required=False, label="Plan", empty_label="Every plan",
        error_messages={"invalid_choice": "Select a plan from the list"},
    )
    format = forms.ChoiceField(label="Format", widget=forms.RadioSelect, initial="xlsx",
                               choices=[("xlsx", "Excel workbook (.xlsx)"), ("csv", "CSV")],
                               error_messages={"required": "Select a format"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Asked per form, not when the module is imported: the plans are those of the request's partnership.
        self.fields["plan"].queryset = Plan.objects.order_by("reference")
        self.fields["what"].choices = [
            (imports.PLAN, "The whole plan, a sheet per table (Excel only)"),
            *[(kind, resource.label) for kind, resource in imports.KINDS.items()],
        ]

    def clean(self):
        data = super().clean()
        if data.get("what") == imports.PLAN:
            if not data.get("plan"):
                self.add_error("plan", "Select the plan to download")
            if data.get("format") == "csv":
                self.add_error("format", "A whole plan downloads as an Excel workbook: select Excel workbook (.xlsx)")
        return data


def _download(content: bytes, name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _slug(text: str) -> str:
    return "-".join("".join(char if char.isalnum() else " " for char in text).lower().split())


def _recent(user):
    records = ImportRecord.objects.select_related("user")
    if not permissions.is_performance_officer(user):
        records = records.filter(user=user)
    records = list(records[:RECENT_IMPORTS])
    for record in records:
        record.kind_label = _kind_label(record.kind)
    return records


def _kind_label(kind: str) -> str:
    return imports.kind_label(kind) if kind in imports.KINDS or kind == imports.PLAN else kind


def _page(request, *, form=None, export_form=None, status=200):
    kinds = imports.importable_kinds(request.user)
    if form is None and kinds:
        chosen = request.GET.get("kind")  # the admin's Import buttons link here with the kind chosen
        form = UploadForm(kinds=kinds, initial={"kind": chosen} if chosen in kinds else None)
    return render(request, "monitoring/spreadsheets/index.html", {
        "form": form,
        "export_form": export_form or ExportForm(initial={"format": "xlsx"}),
        "templates": [(kind, resource) for kind, resource in imports.KINDS.items() if kind in kinds],
        "records": _recent(request.user),
        "limit": _size_label(settings.IMPORT_MAX_UPLOAD_BYTES),
    }, status=status)


@require_http_methods(["GET", "POST"])
@works_in_one_partnership
def import_upload(request):
    """Show the page; on upload, check the file and show what it would do."""
    if request.method == "GET":
        return _page(request)
    kinds = imports.importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied("Only performance officers and data experts can import spreadsheets.")
    form = UploadForm(request.POST, request.FILES, kinds=kinds)
    if not form.is_valid():
        return _page(request, form=form)
    upload = form.cleaned_data["file"]
    content = upload.read()
    kind = form.cleaned_data["kind"]
    outcome = imports.import_file(kind=kind, content=content, file_name=upload.name, user=request.user, apply=False)
    token = _keep(request, content=content, name=upload.name, kind=kind, outcome=outcome) if outcome.ok else ""
    return render(request, "monitoring/spreadsheets/preview.html", {
        "outcome": outcome, "token": token, "confirm_form": ConfirmOutliersForm(),
    })


def _places(outcome) -> list[list]:
    """Return the (sheet, row) places of the rows the uploader is asked to confirm, as the session keeps them."""
    return [[problem.sheet, problem.row] for problem in outcome.to_confirm]


def _keep(request, *, content: bytes, name: str, kind: str, outcome) -> str:
    """Keep the checked file until its uploader confirms it; return the token that names it."""
    token = secrets.token_urlsafe(18)
    path, deleted = pending.keep(user=request.user, token=token, content=content)
    for key, kept in list(request.session.items()):  # this session's uploads that made room: say they are gone
        if key.startswith(SESSION_PREFIX) and isinstance(kept, dict) and kept.get("path") in deleted:
            del request.session[key]
    request.session[SESSION_PREFIX + token] = {
        "path": path, "name": name, "kind": kind, "checksum": checksum(content), "to_confirm": _places(outcome),
        "partnership": request.partnership_choice.chosen,
    }
    return token


@require_POST
@works_in_one_partnership
def import_confirm(request):
    """Apply a checked upload, all or nothing, after checking it again."""
    token = request.POST.get("token", "")
    waiting = request.session.get(SESSION_PREFIX + token) if token else None
    if waiting is None:
        messages.error(request, "That upload has already been imported or has expired. Upload the file again.")
        return redirect("imports")
    if waiting.get("partnership") != request.partnership_choice.chosen:
        # Checked against one partnership's plans and indicators: it must not be applied to another's.
        messages.error(request, "You have changed partnership since that file was checked. Upload it again to "
                                "import it into this partnership.")
        return redirect("imports")
    to_confirm = {(sheet, row) for sheet, row in waiting.get("to_confirm", [])}
    confirm_form = ConfirmOutliersForm(request.POST)
    checked = confirm_form.is_valid()
    if to_confirm and not checked:
        return _ask_again(request, token, waiting, confirm_form)
    del request.session[SESSION_PREFIX + token]
    try:
        with default_storage.open(waiting["path"], "rb") as file:
            content = file.read()
    except (FileNotFoundError, OSError):
        messages.error(request, "That upload has expired. Upload the file again.")
        return redirect("imports")
    finally:
        default_storage.delete(waiting["path"])
    if checksum(content) != waiting["checksum"]:
        raise PermissionDenied("The uploaded file changed after it was checked.")
    # Only the rows the preview listed are confirmed: one that became an outlier since is refused below.
    outcome = imports.import_file(kind=waiting["kind"], content=content, file_name=waiting["name"],
                                  user=request.user, apply=True, confirm_outliers=to_confirm if checked else False)
    if not outcome.ok:
        # The data moved on after the preview (a value signed off meanwhile, a plan deleted): show why.
        return render(request, "monitoring/spreadsheets/preview.html", {"outcome": outcome, "token": "", "conflict": True},
                      status=CONFLICT)
    messages.success(request, f"Imported {waiting['name']}: {outcome.summary()}.")
    return redirect(outcome.record)


def _ask_again(request, token: str, waiting: dict, confirm_form: ConfirmOutliersForm):
    """Refuse a confirmation without the "I have checked these values" box: apply nothing, keep the upload, and
    show its preview again (checked afresh) with the box marked as an error."""
    try:
        with default_storage.open(waiting["path"], "rb") as file:
            content = file.read()
    except (FileNotFoundError, OSError):
        del request.session[SESSION_PREFIX + token]
        messages.error(request, "That upload has expired. Upload the file again.")
        return redirect("imports")
    if checksum(content) != waiting["checksum"]:
        raise PermissionDenied("The uploaded file changed after it was checked.")
    outcome = imports.import_file(kind=waiting["kind"], content=content, file_name=waiting["name"],
                                  user=request.user, apply=False)
    if outcome.ok:
        request.session[SESSION_PREFIX + token] = {**waiting, "to_confirm": _places(outcome)}
    else:
        del request.session[SESSION_PREFIX + token]
        default_storage.delete(waiting["path"])
        token = ""
    return render(request, "monitoring/spreadsheets/preview.html", {
        "outcome": outcome, "token": token, "confirm_form": confirm_form, "conflict": not outcome.ok,
    }, status=200 if outcome.ok else CONFLICT)


@require_GET
def import_record(request, pk):
    record = get_object_or_404(ImportRecord.objects.select_related("user"), pk=pk)
    if not (permissions.is_performance_officer(request.user) or record.user_id == request.user.pk):
        raise PermissionDenied("Only a performance officer or the person who imported it can see this import.")
    values = (IndicatorValue.history.filter(history_change_reason__startswith=f"Import {record.pk}: ")
              .select_related("indicator", "period").order_by("indicator__code", "period__start")[:500])
    record.kind_label = _kind_label(record.kind)
    return render(request, "monitoring/spreadsheets/record.html", {"record": record, "values": values})


@require_GET
def import_template(request, kind, fmt):
    if kind not in imports.KINDS or fmt not in FORMATS:
        raise Http404("No such template.")
    return _download(imports.template_file(kind, fmt), f"{kind}-template.{fmt}", fmt)


@require_GET
def export(request):
    """Download a table (of one plan or every plan) or a whole plan, as chosen on the page."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, export_form=form)
    what, plan, fmt = form.cleaned_data["what"], form.cleaned_data["plan"], form.cleaned_data["format"]
    if what == imports.PLAN:
        return redirect("plan_workbook", pk=plan.pk)
    content = imports.export_kind(what, plans=[plan] if plan else None, fmt=fmt)
    name = f"{what}-{_slug(plan.reference)}.{fmt}" if plan else f"{what}-all-plans.{fmt}"
    return _download(content, name, fmt)


@require_GET
def plan_workbook(request, pk):
    plan = get_object_or_404(Plan, pk=pk)
    return _download(workbook.export_workbook(plan), workbook.workbook_file_name(plan), "xlsx")
