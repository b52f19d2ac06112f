"""URLs of the report pages (filled in by their issue)."""

urlpatterns: list = []
