"""The API's one setting from the environment, API_THROTTLE_RATE, fails loudly at start-up when it cannot be read,
rather than as a server error on the first request."""

from __future__ import annotations

from tests.test_settings import print_settings


def test_the_throttle_rate_defaults_to_600_a_minute():
    result = print_settings("API_THROTTLE_RATE", DEBUG="true", ENV_FILE="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "600/minute"


def test_a_throttle_rate_that_cannot_be_read_stops_the_start():
    result = print_settings("API_THROTTLE_RATE", DEBUG="true", ENV_FILE="", API_THROTTLE_RATE="lots")
    assert result.returncode != 0
    assert "API_THROTTLE_RATE must be like 600/minute" in result.stderr
