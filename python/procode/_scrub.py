"""Scrubbing at scale: claim lines in, problems out, as Arrow tables.

The native layer reads anything that exports Arrow through the Arrow C data
interface (``__arrow_c_stream__`` / ``__arrow_c_array__``: pyarrow tables,
record batches and readers, Polars and pandas data frames, DuckDB results)
and scrubs it with the GIL released; these wrappers hand the results back as
pyarrow objects. pyarrow is an optional dependency (``pip install
procode[arrow]``), needed only here.

Every problem is one the core's readiness check reports for the claim built
as an invoice: the batch layer has no rules of its own.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Iterator, Optional

from procode import _native

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__all__ = [
    "VERDICTS",
    "claim_lines_schema",
    "problems_schema",
    "scrub",
    "scrub_batches",
    "validate_codes",
]

#: Every verdict of :func:`validate_codes`.
VERDICTS = ("valid", "not_effective", "unknown", "not_billable", "malformed")


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as e:  # pragma: no cover - exercised without pyarrow only
        raise ImportError(
            "procode's Arrow functions return pyarrow objects: "
            "pip install 'procode[arrow]' (or pyarrow)"
        ) from e
    return pyarrow


def scrub(
    data: Any, catalog: Optional[_native.Catalog] = None, *, threads: int = 0
) -> "pyarrow.Table":
    """Every readiness problem of the claims in ``data`` (claim lines in the
    long format of the README's "Scrubbing at scale"), as a pyarrow Table
    with the columns ``claim_id``, ``line_id``, ``problem``, ``severity``,
    ``message`` and ``detail`` (JSON).

    ``data`` is any Arrow exporter; its record batches are scrubbed one at a
    time (claims may span batches; a claim's rows must be contiguous).
    ``catalog`` defaults to the embedded one; attach NCCI edits with
    ``Catalog.with_ncci`` for ``NCCI_PTP_CONFLICT`` and ``MUE_EXCEEDED``.
    ``threads`` checks the claims of a batch in parallel (0: one per core).
    Bad input raises :class:`procode.ScrubError` naming the column and row.
    """
    pa = _pyarrow()
    return pa.table(_native.scrub(data, catalog, threads=threads))


def scrub_batches(
    data: Any, catalog: Optional[_native.Catalog] = None, *, threads: int = 0
) -> Iterator["pyarrow.RecordBatch"]:
    """Like :func:`scrub`, lazily: yields the problems batch by batch as the
    input is read, so memory stays bounded by a batch whatever the input's
    size. For Spark's ``mapInArrow`` and other streaming engines."""
    pa = _pyarrow()
    stream = _native.ScrubStream(data, catalog, threads=threads)

    def batches() -> Iterator["pyarrow.RecordBatch"]:
        for chunk in stream:
            yield from pa.table(chunk).to_batches()

    return batches()


def _array(pa: Any, values: Any, type: Any = None) -> Any:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    if hasattr(values, "__arrow_c_array__"):
        return pa.array(values)
    if hasattr(values, "__arrow_c_stream__"):
        return pa.chunked_array(values).combine_chunks()
    return pa.array(values, type=type)


def validate_codes(
    codes: Any,
    systems: Any,
    dates: Any = None,
    catalog: Optional[_native.Catalog] = None,
) -> "pyarrow.Array":
    """The validity verdict of each code, a pyarrow string array: ``valid``,
    ``not_effective`` (not valid on its date), ``unknown``, ``not_billable``
    (an ICD-10-CM header) or ``malformed`` (not a code of its system); null
    where the code or system is null.

    ``codes`` is a sequence or Arrow array of strings; ``systems`` one system
    name for all or one per code; ``dates`` None (no date check), one
    ``datetime.date`` for all, or one per code (dates or ISO strings).
    """
    pa = _pyarrow()
    codes_arr = _array(pa, codes, pa.string())
    n = len(codes_arr)
    if isinstance(systems, str):
        systems_arr = pa.array([systems] * n, type=pa.string())
    else:
        systems_arr = _array(pa, systems, pa.string())
    if isinstance(dates, datetime.date):
        dates_arr = pa.array([dates] * n, type=pa.date32())
    elif dates is None:
        dates_arr = None
    else:
        dates_arr = _array(pa, dates)
    out = pa.table(_native.validate_codes(codes_arr, systems_arr, dates_arr, catalog))
    return out.column("verdict").combine_chunks()


def problems_schema() -> "pyarrow.Schema":
    """The schema of :func:`scrub`'s result."""
    return _pyarrow().table(_native.problems_schema()).schema


def claim_lines_schema() -> "pyarrow.Schema":
    """The claim-lines input schema with its preferred types (other string,
    date, list, integer and decimal layouts are accepted too)."""
    return _pyarrow().table(_native.claim_lines_schema()).schema
