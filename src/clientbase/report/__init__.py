"""Self-contained reports of the analysis: HTML with charts that need no network, and an XLSX workbook."""

from clientbase.report.html import render_html, write_html
from clientbase.report.xlsx import write_xlsx

__all__ = ["render_html", "write_html", "write_xlsx"]
