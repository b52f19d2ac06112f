def test_it_runs_checks(client):
    from django.core.management import call_command

    call_command("check")
