"""The reporting cycle: rounds, returns, progress and sign-off (see issue 3)."""
