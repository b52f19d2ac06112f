"""The dashboards: the overview, who has not reported, a plan's dashboard and an indicator's page (views, urls,
selectors by page, tables, filters), and the charts they draw (charts, also drawn into the PDF reports)."""
