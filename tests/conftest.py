"""Fixtures every test module shares."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_keepdb):
    """Set up the test database as pytest-django does, whichever tests are chosen.

    pytest-django sets up only the databases that the chosen tests mark or ask for with `db`. A module whose tests
    read data loaded once for the module (the demo: tests/reports, tests/pages/test_plan_monitoring.py) asks for
    neither, so run on its own it would read, and write, the developer's own db.sqlite3.
    """
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose, interactive=False, keepdb=django_db_keepdb, serialized_aliases=set()
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)
