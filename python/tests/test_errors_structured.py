"""Issue 16/17: errors classified once in the core (one kind table per
binding), the NCCI class, and the structured facts of policy and state
refusals."""

import datetime as dt
import pathlib
import pickle
from decimal import Decimal

import pytest

import procode

DOS = dt.date(2025, 3, 3)


def _encounter(at: dt.datetime) -> procode.Encounter:
    svc = procode.Service("SVC", "Counseling", Decimal("100"), paid_in_advance=True)
    svc.edit(procode.EditBatch().add(procode.CodeLine("H0004", "hcpcs", "c", id="L1")), actor="a", at=at)
    return procode.Encounter.book(svc, session_id="S", client_id="C", date=DOS, invoice_id="I")


def test_edit_not_allowed_carries_action_context_document_and_state(at: dt.datetime) -> None:
    enc = _encounter(at)
    assert enc.confirm(procode.Payment("P1", 40, at)) == "sent"
    with pytest.raises(procode.EditNotAllowed) as info:
        enc.review(procode.EditBatch().edit("L1", units=2), actor="a", at=at)
    e = info.value
    assert (e.action, e.context, e.document, e.state) == ("edit", "booking_review", "session S", "booked")
    assert e.transition is None
    assert "session S" in str(e) and "booked" in str(e)
    # The facts survive pickling (exceptions cross process pools).
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is procode.EditNotAllowed
    assert (back.action, back.context, back.document, back.state) == (e.action, e.context, e.document, e.state)


def test_invalid_transition_carries_the_step_document_and_state(at: dt.datetime) -> None:
    enc = _encounter(at)
    with pytest.raises(procode.InvalidTransition) as info:
        enc.complete(actor="a", at=at)
    e = info.value
    assert (e.transition, e.document) == ("complete", "session S")
    assert e.state == "pending_confirmation"
    assert e.action is None and e.context is None
    # A refusal that is not about a state names the document only.
    with pytest.raises(procode.InvalidTransition) as info:
        enc.confirm(procode.Payment("P", 0, at))
    assert info.value.document == "invoice I"
    assert info.value.state is None and info.value.transition is None


def test_other_edit_refusals_name_their_document(at: dt.datetime) -> None:
    enc = _encounter(at)
    with pytest.raises(procode.UnknownLine) as info:
        enc.review(procode.EditBatch().remove("L9"), actor="a", at=at)
    assert info.value.document == "session S"
    assert info.value.action is None and info.value.state is None


def test_class_defaults_are_none() -> None:
    for cls in (procode.EditError, procode.EditNotAllowed, procode.InvalidTransition):
        for attr in ("document", "state", "action", "context", "transition"):
            assert getattr(cls, attr) is None, (cls, attr)


MUE = "code\tmue\tmai\trationale\teffective_date\nH0004\tmany\t3\tx\t2024-07-01\n"


def test_ncci_tables_and_files_raise_ncci_error(catalog: procode.Catalog, tmp_path: pathlib.Path) -> None:
    assert issubclass(procode.NcciError, procode.SourceError)
    assert issubclass(procode.NcciError, procode.CatalogError)
    assert procode.NcciError.__module__ == "procode._native"
    (tmp_path / "mue.tsv").write_text(MUE)
    with pytest.raises(procode.NcciError, match="mue.tsv:2"):
        procode.build_edits(tmp_path / "x.idx", mue=tmp_path / "mue.tsv")
    (tmp_path / "foreign.idx").write_bytes(b"not an edits file at all")
    with pytest.raises(procode.NcciError, match="not a procode NCCI edits file"):
        catalog.with_ncci(tmp_path / "foreign.idx")
    with pytest.raises(procode.NcciError, match="missing.idx"):
        catalog.with_ncci(tmp_path / "missing.idx")


def test_a_code_the_catalog_lacks_is_unknown_code(catalog: procode.Catalog) -> None:
    with pytest.raises(procode.UnknownCode, match="Q9Z99"):
        catalog["Q9Z99"]
    with pytest.raises(procode.InvalidCode):
        catalog["G04!"]
