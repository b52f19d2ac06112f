"""Spreadsheets in and out: single-table imports and exports (imports), the whole plan as one workbook (workbook),
reading and writing the files (files), an import's outcome and record (outcome), and their pages (views, urls).
The rows themselves are checked by each app's resources, built on plans.sheets."""
