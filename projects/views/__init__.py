"""Pages of the projects: the board, a project, its reports, analysis, grades and funding.

One module per page (or family of pages); ``projects/urls.py`` routes each.
"""
