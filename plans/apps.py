from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans"

    def ready(self):
        from plans import partnerships

        # Every PostgreSQL statement carries the partnership scope that its row-level security reads.
        connection_created.connect(partnerships.install_on, dispatch_uid="partnership_scope")
