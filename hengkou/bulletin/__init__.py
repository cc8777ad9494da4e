"""The monthly bulletin (月通报): issued at the close, read back, shown and written to files.

``issue`` computes a month's content at the close and stores it; ``content`` reads it back as a
``Bulletin``; ``tables`` lays it out once for the page, the dashboard and every file;
``document`` words it as an official document (公文); ``xlsx``, ``docx`` and ``pdf`` write the
files; ``views`` and ``urls`` serve them under /bulletin/.
"""
