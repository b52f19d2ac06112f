"""URLs of the import pages (filled in by their issue)."""

urlpatterns: list = []
