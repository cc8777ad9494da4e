"""File downloads: one way to send a file with a Chinese name and an ASCII fallback."""

from enterprises.exports import DOCX, XLSX, attachment

PDF = "application/pdf"

__all__ = ["DOCX", "PDF", "XLSX", "attachment"]
