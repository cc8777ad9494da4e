"""Reads of the projects app: the pipeline board, a project's page, the monthly analysis, grades.

Each read lives in the module of its page; the ones other apps ask for are named here too.
"""

from .grades import list_evaluation_lines

__all__ = ["list_evaluation_lines"]
