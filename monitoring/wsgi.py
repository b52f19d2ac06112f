"""WSGI entry point, used by gunicorn in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitoring.settings")
application = get_wsgi_application()

# Outside a request's scope a web process sees no partnership's rows (plans.partnerships).
from plans import partnerships  # noqa: E402 (after Django is set up)

partnerships.close_by_default()

# Every view loaded, and start-up's objects kept out of the garbage collector's way (monitoring.startup).
from monitoring.startup import load_and_freeze  # noqa: E402

load_and_freeze()
