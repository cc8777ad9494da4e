"""The year's plan and the turn of the year: the annual work plan, and next year's drafts.

``models`` holds the annual work plan (年度工作实施方案) with its goals per indicator, and the
turn of the year: a ``YearTurn`` with its draft assignments, draft targets and growth rates,
kept apart from the real ``Assignment`` and ``Target`` rows so that no ranking, duty, "my
enterprises" card or department total counts a draft before it is confirmed. The workflow is
``hengkou.services.year_turn``; the pages are ``views`` under /year/ (``urls``).
"""
