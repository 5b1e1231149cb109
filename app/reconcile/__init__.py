"""Sector lists (health station, social insurance, school) matched against the residents.

A commander uploads another sector's list of people; every row is matched to a resident of
the commune and classed (matched, wrong ID number, no ID number, wrong details, ambiguous, not
found); the commander confirms or sends rows to a follow-up visit, and downloads the list
back with the correct ID numbers. See docs/RECONCILE.md.

This package sits in the top layer beside app.imports, whose file reading and header matching
it reuses.
"""
