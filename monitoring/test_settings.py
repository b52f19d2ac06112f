"""Settings for the test suite: production settings with a throwaway key and a fast password hasher."""

import os

os.environ.setdefault("ALLOW_INSECURE_SECRET_KEY", "true")

from monitoring.settings import *  # noqa: E402, F403

# Hashing 'demo' with PBKDF2 for every test user would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
# Background tasks run at once, inside the request that enqueues them.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
