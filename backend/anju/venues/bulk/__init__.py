"""Bulk import of staff from CSV and XLSX spreadsheets."""
