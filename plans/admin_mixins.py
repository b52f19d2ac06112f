"""Admin mixins shared by every app (plans is the bottom of the import order, so all apps may use them)."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied


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
