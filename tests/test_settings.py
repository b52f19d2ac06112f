"""Settings come from the environment and refuse values that make no sense."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from monitoring import env

ROOT = Path(__file__).resolve().parent.parent


def clean_environment(**environment):
    """This process's environment without the settings under test; ENV_FILE empty (no .env read) unless given."""
    clean = {key: value for key, value in os.environ.items() if key not in {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "ALLOW_INSECURE_SECRET_KEY", "DJANGO_SETTINGS_MODULE",
        "ENV_FILE"}}
    return {"ENV_FILE": "", **clean, **environment}


def run_manage(*args, **environment):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean_environment(**environment), capture_output=True,
        text=True, timeout=120,
    )


def print_settings(*names, **environment):
    code = f"from django.conf import settings; print(*(getattr(settings, name) for name in {names!r}))"
    return run_manage("shell", "--no-imports", "-c", code, **environment)


def write_env_file(path, *lines):
    path.write_text("# Local development only.\n" + "".join(f"{line}\n" for line in lines))
    return path


@pytest.fixture
def project_copy(tmp_path):
    """The settings package copied into an empty project folder, so that its own .env can be tried at its root."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "monitoring", project / "monitoring", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "elsewhere").mkdir()
    return project


def load_settings(project, **environment):
    """Import the copy's settings from another folder, with ENV_FILE unset unless given (so its default applies)."""
    clean = clean_environment(**environment, PYTHONPATH=str(project))
    if "ENV_FILE" not in environment:
        del clean["ENV_FILE"]
    return subprocess.run(
        [sys.executable, "-c", "import monitoring.settings as s; print(s.DEBUG, s.SECRET_KEY)"],
        cwd=project.parent / "elsewhere", env=clean, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="monitor.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_database_url_of_an_unsupported_kind_is_refused_by_name():
    result = run_manage("check", DEBUG="true", DATABASE_URL="mysql://root@localhost/monitor")
    assert result.returncode != 0
    assert "DATABASE_URL must start with sqlite:// or postgres://, not 'mysql'" in result.stderr


def test_a_dot_env_with_debug_on_lets_the_settings_load_without_a_key(tmp_path):
    env_file = write_env_file(tmp_path / ".env", "DEBUG=true")
    result = print_settings("DEBUG", ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]


def test_the_real_environment_beats_the_dot_env(tmp_path):
    env_file = write_env_file(tmp_path / ".env", "DEBUG=true", "SECRET_KEY=from-the-file")
    result = print_settings("SECRET_KEY", ENV_FILE=str(env_file), SECRET_KEY="from-the-environment")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["from-the-environment"]

    debug_only = write_env_file(tmp_path / "debug.env", "DEBUG=true")
    refused = run_manage("check", ENV_FILE=str(debug_only), DEBUG="false")
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr


def test_the_dot_env_is_read_from_the_project_root_not_the_current_folder(project_copy):
    write_env_file(project_copy.parent / "elsewhere" / ".env", "DEBUG=true")
    refused = load_settings(project_copy)
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr

    write_env_file(project_copy / ".env", "DEBUG=true", "SECRET_KEY=from-the-project-root")
    result = load_settings(project_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "from-the-project-root"]


def test_without_a_dot_env_production_still_refuses_to_start_without_a_key(project_copy):
    result = load_settings(project_copy)
    assert result.returncode != 0
    assert "SECRET_KEY is not set. Set SECRET_KEY in production, or DEBUG=true for local development." in result.stderr


def test_an_empty_env_file_variable_reads_no_dot_env(project_copy):
    write_env_file(project_copy / ".env", "DEBUG=true")
    result = load_settings(project_copy, ENV_FILE="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_an_env_file_that_is_not_there_is_refused_by_name(tmp_path):
    result = run_manage("check", ENV_FILE=str(tmp_path / "missing.env"), DEBUG="true")
    assert result.returncode != 0
    assert f"ENV_FILE names '{tmp_path / 'missing.env'}', which is not a file." in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("Yes", True), ("off", False), ("", False)])
def test_booleans_accept_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG") is expected


def test_a_boolean_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env.env_bool("DEBUG")


def test_a_number_that_is_not_one_fails_loudly(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        env.env_int("EMAIL_PORT", 25)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "monitor.example.org, , www.example.org")
    assert env.env_list("ALLOWED_HOSTS", []) == ["monitor.example.org", "www.example.org"]
