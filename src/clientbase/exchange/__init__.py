"""Bulk data in and out: the exchange folder of CSV files and the engine-side loader behind every import."""

from clientbase.exchange.folder import export_folder, import_folder
from clientbase.exchange.load import LoadReport, load_tables

__all__ = ["LoadReport", "export_folder", "import_folder", "load_tables"]
