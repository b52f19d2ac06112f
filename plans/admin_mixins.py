"""Admin mixins shared by every app (plans is the bottom of the import order, so all apps may use them)."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404


class RevertNeedsChangePermission:
    """Refuse a POST to django-simple-history's "revert to this version" page without change permission.

    SimpleHistoryAdmin.history_form_view checks only that the user may *view* the object, then saves whatever
    the POST holds over it: a signed-off value that the change page refuses (has_change_permission False) could
    be rewritten there. Put this first among an admin's bases.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryOfVisibleRowsOnly:
    """Show django-simple-history's pages only of a row the admin's own list shows.

    SimpleHistoryAdmin falls back to the history table when the admin's queryset does not find the row, and its
    version page reads that table directly: neither is scoped to the user's partnership (plans.partnerships), so
    another partnership's row and its history would show. Put this first among an admin's bases.
    """

    def _require_visible(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404("No such row.")

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
