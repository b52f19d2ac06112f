"""The reporting cycle's pages: rounds, my returns, progress and value entry, the return, sign-off, send-back,
reopening and history (views, urls, forms, selectors). The rules they obey live below, in monitoring.services and
monitoring.workflow."""
