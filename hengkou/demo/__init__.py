"""The demo: the article's 2020–2021 records (article, zone), the routine of a year (routine),
this year brought up to today (live) and one login per role (logins). Tooling, not the product.
"""
