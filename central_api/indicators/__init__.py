"""Stuurinformatie on the central service (domain/indicators.md, DESIGN.md contract 9).

Modules: facts (the `indicator_facts` table kept up to date from the change log),
query (the indicators as SQL aggregates), service (periods, reports, the minimal
dataset), router (`GET /v1/indicators`), cli (`doorloop-central indicators|dataset`).
The definitions themselves live in the Qt-free `coordination.indicators`.
"""
