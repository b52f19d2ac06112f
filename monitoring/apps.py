from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        # Connect the security logger's signal handlers whatever order the middleware loads in.
        from monitoring import audit, security  # noqa: F401
        from monitoring.tables import cache_cell_signatures

        cache_cell_signatures()
        # A history record made through the API names the API and the token as its reason (monitoring.audit).
        pre_create_historical_record.connect(audit.name_the_api, dispatch_uid="audit_name_the_api")
