"""The home page, the accessibility statement, the plan list and the plan page (views, urls, selectors, tables,
filters). The plan page's document is read by monitoring.plan_document, which the PDF report shares."""
