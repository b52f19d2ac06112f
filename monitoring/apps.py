from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self):
        # Connect the security logger's signal handlers whatever order the middleware loads in.
        from monitoring import security  # noqa: F401
        from monitoring.tables import cache_cell_signatures

        cache_cell_signatures()
