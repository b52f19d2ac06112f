"""URLs of the dashboard pages (filled in by their issue)."""

urlpatterns: list = []
