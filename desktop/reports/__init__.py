"""Handover and feedback PDFs (reportlab): pure functions, data in, bytes out."""
