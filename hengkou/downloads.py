"""File downloads: one way to send a file with a Chinese name and an ASCII fallback."""

from enterprises.exports import DOCX, XLSX, attachment

__all__ = ["DOCX", "XLSX", "attachment"]
