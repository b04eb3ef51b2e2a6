"""The data set: a seeded, deterministic picture of an agency's CRM and promotions.

Rows are plain tuples of Python values (aware UTC datetimes, dates, bools, lists for JSON
columns); `bench.loading` writes them into either database. `assemble.build` makes the
whole set; the other modules each make one part of it.
"""

from bench.dataset.assemble import build
from bench.dataset.model import Dataset, Facts, Row, Table

__all__ = ["Dataset", "Facts", "Row", "Table", "build"]
