"""Recognition reports and monthly staff digests: figures from `pointbook.report_data`, rendered as
charts (charts.py), a PDF (pdf.py) and a spreadsheet (xlsx.py) by `build.report_build`; the Celery
jobs are in jobs.py."""
