"""Pickling and copying of procode's value objects.

The native classes are registered with :mod:`copyreg`, so :mod:`pickle`,
:func:`copy.copy` and :func:`copy.deepcopy` (and therefore process pools,
Spark and Dask) work on them. Documents and edit values travel as the core's
JSON, the same form Rust and C read; entries and payments by their
constructor's arguments. A ``Catalog`` does not pickle: it is a memory-mapped
index, opened once per process (``Catalog.open(path)``).
"""

from __future__ import annotations

import copyreg
from typing import Any, Callable, Tuple

from procode import _native

# Classes whose instances round-trip through to_json / from_json.
_JSON_CLASSES = (
    _native.CodeLine,
    _native.EditBatch,
    _native.EditPolicy,
    _native.Encounter,
    _native.FeeSchedule,
    _native.Invoice,
    _native.Service,
    _native.Session,
)


def _from_json(cls: Any) -> Callable[[Any], Tuple[Any, Tuple[str]]]:
    def reduce(obj: Any) -> Tuple[Any, Tuple[str]]:
        return (cls.from_json, (obj.to_json(),))

    return reduce


def _entry(
    code: str,
    system: str,
    description: str,
    short_description: str,
    effective: Any,
    terminated: Any,
    billable: bool,
) -> _native.Entry:
    return _native.Entry(
        code,
        system,
        description,
        short_description=short_description,
        effective=effective,
        terminated=terminated,
        billable=billable,
    )


def _reduce_entry(e: _native.Entry) -> Tuple[Any, Tuple[Any, ...]]:
    return (
        _entry,
        (e.code, e.system, e.description, e.short_description, e.effective, e.terminated, e.billable),
    )


def _payment(id: str, amount: Any, received_at: Any, currency: str) -> _native.Payment:
    return _native.Payment(id, amount, received_at, currency=currency)


def _reduce_payment(p: _native.Payment) -> Tuple[Any, Tuple[Any, ...]]:
    return (_payment, (p.id, p.amount, p.received_at, p.currency))


def register() -> None:
    """Registers the reducers (done once, when ``procode`` is imported)."""
    for cls in _JSON_CLASSES:
        copyreg.pickle(cls, _from_json(cls))
    copyreg.pickle(_native.Entry, _reduce_entry)
    copyreg.pickle(_native.Payment, _reduce_payment)
