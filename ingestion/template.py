"""The province's report template, kept under its old import path.

The writer lives on floor 0 (`forms.template`) so that the outbox, which sends the
template to units, can use it without importing ingestion (HOUSE.md). Ingestion's
readers do not use it: they accept any workbook that follows CONTRACT §4.
"""

from forms.template import *  # noqa: F403 - re-export for the sample generator, benchmarks, tests
from forms.template import __all__  # noqa: F401
