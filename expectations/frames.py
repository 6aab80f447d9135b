"""The DataFrames the suites validate: what arrives, before dbt (issue #18).

`read_*` query a DuckDB connection: an in-memory connection over the raw store's
Parquet for raw rows, the build file's staging views for the reference CSVs. The marts
are checked by dbt's own tests (dbt_project/tests/, the models' yml), not here:
docs/architecture.md says which check lives where.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

# -- raw store -------------------------------------------------------------------------


def read_raw_report_rows(con, batch_files: Sequence[Path]) -> pd.DataFrame:
    """The rows of the given raw-store batch files (report_rows/*.parquet) only."""
    return con.execute(
        "select * from read_parquet(?, union_by_name = true)",
        [[str(path) for path in batch_files]],
    ).df()


# -- reference files, as dbt's staging reads them --------------------------------------


def read_reference(con) -> dict[str, pd.DataFrame]:
    return {
        "units": con.execute("select unit_code from staging.stg_reference__units").df(),
        "targets": con.execute("select * from staging.stg_reference__targets").df(),
        "population": con.execute("select * from staging.stg_reference__population").df(),
        "indicators": con.execute("select indicator_code from marts.dim_indicator").df(),
    }
