"""The year-end projection's stored data (the rules: hengkou/projections.py)."""
