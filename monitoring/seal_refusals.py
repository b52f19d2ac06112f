"""A write refused by a seal, on any page, answers 409 Conflict with the reason in words, never a server error.

The pages that write check the lock themselves and keep what the user typed (the cycle's forms, the imports);
this catches what reaches a seal by another way (an admin page, a stale form posted twice): the model's own check
or, behind it, the database's trigger (plans.seals).
"""

from __future__ import annotations

import logging

from django.shortcuts import render

from plans.seals import LOCKED, SealedError, is_sealed_refusal

logger = logging.getLogger("security")


class SealRefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_sealed_refusal(exception):
            return None
        logger.warning("Write refused by a seal: %s %s by %s", request.method, request.path, request.user)
        message = exception.message if isinstance(exception, SealedError) else LOCKED
        return render(request, "409.html", {"message": message}, status=409)
