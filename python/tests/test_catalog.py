import datetime as dt
import os
import pathlib

import pytest

import procode


def test_lookup_normalises_the_code(catalog):
    gad = catalog.lookup("f41.1")
    assert gad is not None
    assert gad.code == "F411"
    assert gad.display_code == "F41.1"
    assert gad.system == "icd10cm"
    assert gad.description == "Generalized anxiety disorder"
    assert gad.billable
    assert catalog.lookup(" F41.1 ", system="ICD10CM") == gad
    assert catalog.lookup("F411", system="icd10cm") == gad


def test_lookup_real_hcpcs_codes(catalog):
    awv = catalog.lookup("G0438", system="hcpcs")
    assert awv is not None
    assert "wellness" in awv.description.lower()
    assert awv.effective == dt.date(2011, 1, 1)
    assert isinstance(awv.effective, dt.date)
    h = catalog.lookup("h0004")
    assert h is not None and h.system == "hcpcs"
    assert catalog["G0438"] == awv
    assert "G0438" in catalog
    assert "ZZZZZ" not in catalog


def test_lookup_missing_and_as_of(catalog):
    assert catalog.lookup("98", system="pos") is None
    assert catalog.lookup("G0438", as_of=dt.date(2010, 6, 1)) is None
    assert catalog.lookup("G0438", as_of=dt.date(2025, 6, 1)) is not None


def test_lookup_every_call_shape_answers_alike(catalog):
    # Every shape of call (positional, keyword, a str subclass, padded or
    # lower-case text, the unbound method) gives the same answer.
    awv = catalog.lookup("G0438")
    assert awv is not None and awv.code == "G0438"
    keyword = "".join(["sys", "tem"])  # a keyword name that is not interned

    class Text(str):
        pass

    for got in [
        catalog.lookup("G0438", "hcpcs"),
        catalog.lookup("G0438", system="hcpcs"),
        catalog.lookup("G0438", None),
        catalog.lookup("G0438", system=None),
        catalog.lookup("G0438", **{keyword: "hcpcs"}),
        catalog.lookup(code="G0438"),
        catalog.lookup(code="G0438", system="hcpcs"),
        catalog.lookup(system="hcpcs", code="G0438"),
        catalog.lookup("G0438", "hcpcs", None),
        catalog.lookup("G0438", as_of=dt.date(2025, 6, 1)),
        catalog.lookup(Text("g0438"), Text("HCPCS")),
        catalog.lookup(" " * 40 + "g04.38" + " " * 40, system="  hcpcs  "),
        procode.Catalog.lookup(catalog, "G0438", system="hcpcs"),
    ]:
        assert got == awv
    assert catalog.lookup("G0438", system="icd10cm") is None
    assert catalog.lookup("ZZZZ") is None


def test_lookup_refuses_bad_calls_as_before(catalog):
    with pytest.raises(TypeError, match="'int' object is not an instance of 'str'"):
        catalog.lookup(5)
    with pytest.raises(TypeError, match="'int' object is not an instance of 'str'"):
        catalog.lookup("G0438", system=5)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'code'"):
        catalog.lookup()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'code'"):
        catalog.lookup(system="hcpcs")
    with pytest.raises(TypeError, match="unexpected keyword argument 'sys'"):
        catalog.lookup("G0438", sys="hcpcs")
    with pytest.raises(TypeError, match="multiple values for argument 'system'"):
        catalog.lookup("G0438", "hcpcs", system="hcpcs")
    with pytest.raises(TypeError, match="from 1 to 3 positional arguments but 4 were given"):
        catalog.lookup("G0438", "hcpcs", None, None)
    with pytest.raises(TypeError):
        procode.Catalog.lookup("G0438", "hcpcs")
    with pytest.raises(ValueError, match="unknown code system"):
        catalog.lookup("G0438", system="loinc")
    with pytest.raises(procode.InvalidCode, match="invalid character"):
        catalog.lookup("G04\u00e9")
    with pytest.raises(UnicodeEncodeError):
        catalog.lookup("G04\udc80")
    with pytest.raises(procode.InvalidCode, match="too long"):
        catalog.lookup("G" * 40)


def test_lookup_keeps_no_reference_to_its_arguments(catalog):
    import sys

    code, system = "".join(["G04", "38"]), "".join(["hc", "pcs"])
    before = (sys.getrefcount(code), sys.getrefcount(system), sys.getrefcount(catalog))
    for _ in range(1000):
        catalog.lookup(code, system=system)
        catalog.lookup(code, system)
        catalog.lookup(code, system, None)
        with pytest.raises(TypeError):
            catalog.lookup(code, system, sys=1)
    assert (sys.getrefcount(code), sys.getrefcount(system), sys.getrefcount(catalog)) == before


def test_lookup_keeps_its_signature_and_doc():
    import inspect

    params = list(inspect.signature(procode.Catalog.lookup).parameters)
    assert params == ["self", "code", "system", "as_of"]
    assert procode.Catalog.lookup.__doc__.startswith("Exact lookup")


def test_header_is_not_billable(catalog):
    f41 = catalog.lookup("F41", system="icd10cm")
    assert f41 is not None and not f41.billable
    assert "not billable" in repr(f41)


def test_search_code_prefix(catalog):
    hits = catalog.search("G04", limit=5)
    assert 0 < len(hits) <= 5
    assert all(e.code.startswith("G04") for e in hits)
    assert [e.code for e in hits] == sorted(e.code for e in hits)


def test_search_words_and_typos(catalog):
    diabetes = catalog.search("diab mell")
    assert len(diabetes) == 10
    assert "diabetes mellitus" in diabetes[0].description.lower()
    chairs = catalog.search("wheelchiar", system="hcpcs")
    assert chairs and all(e.system == "hcpcs" for e in chairs)
    assert catalog.search("pyschotherapy")


def test_search_system_limit_and_as_of(catalog):
    hits = catalog.search("anxiety", system="icd10cm", limit=3)
    assert len(hits) == 3 and all(e.system == "icd10cm" for e in hits)
    for e in catalog.search("G04", as_of=dt.date(2025, 1, 1), limit=50):
        assert e.is_valid_on(dt.date(2025, 1, 1))
    none = catalog.search("nothing matches this at all qqqq")
    assert len(none) == 0 and none.total == 0 and none.mode == "none"


def test_search_results_page_total_mode_spans(catalog):
    page = catalog.search("htn", system="icd10cm", limit=3, billable_only=True)
    assert isinstance(page, procode.SearchResults)
    assert page.mode == "words" and page.offset == 0 and page.total > 3
    assert [e.display_code for e in page][0] == "I10"
    assert page[-1].code == page[2].code
    assert all(e.billable for e in page)
    span = page.spans[0][0]
    assert isinstance(span, procode.MatchSpan)
    assert (span.term, span.via, span.typo) == ("htn", "hypertension", False)
    assert page[0].description[span.start : span.end].lower() == "hypertension"
    nxt = catalog.search("htn", system="icd10cm", limit=3, offset=3, billable_only=True)
    assert nxt.offset == 3 and nxt.total == page.total
    assert not {e.code for e in nxt} & {e.code for e in page}
    with pytest.raises(IndexError):
        page[3]
    with pytest.raises(procode.InvalidArgument):
        catalog.search("htn", offset=-1)
    assert catalog.search("E11.9", system="icd10cm").mode == "exact"
    assert catalog.search("diabetis", system="icd10cm").mode == "typo"
    cpt = catalog.search("99213")
    assert cpt.notice == "cpt_not_shipped" and "CPT" in (cpt.notice_message or "")
    assert catalog.search("25", system="modifier").notice == "cpt_modifier_not_shipped"
    partial = catalog.search("hyaluronic acid knee", system="hcpcs")
    assert partial.notice == "not_every_word" and partial.mode == "words"
    assert partial.total > 0 and all(e.code.startswith("J73") for e in partial)


def test_host_synonyms_and_weights(catalog, tmp_path):
    syn = tmp_path / "syn.tsv"
    syn.write_text(
        "term\texpansions\tkind\tsystems\tsource\n"
        "pep talk\tcounseling\tlay\thcpcs\tour front desk\n"
    )
    assert len(catalog.with_synonyms(syn).search("pep talk", system="hcpcs")) > 0
    bad = tmp_path / "bad.tsv"
    bad.write_text("term\texpansions\tkind\tsystems\tsource\nHTN\tx\tlay\tany\ts\n")
    with pytest.raises(procode.SearchDataError, match="line 2"):
        catalog.with_synonyms(bad)
    weights = tmp_path / "w.tsv"
    weights.write_text("billable\t0\n")
    assert len(catalog.with_search_weights(weights).search("anxiety")) == 10
    weights.write_text("# tuned\nbillabel\t3\n")
    with pytest.raises(procode.SearchDataError, match="line 2"):
        catalog.with_search_weights(weights)


def test_entry_value_semantics(catalog):
    e = catalog.lookup("F41.1")
    assert e == catalog.lookup("F411")
    assert e != catalog.lookup("F41.0")
    assert hash(e) == hash(catalog.lookup("F411"))
    assert repr(e) == '<Entry icd10cm F41.1 "Generalized anxiety disorder">'
    assert e.to_dict() == {
        "code": "F411",
        "system": "icd10cm",
        "description": "Generalized anxiety disorder",
        "short_description": e.short_description,
        "effective": None,
        "terminated": None,
        "billable": True,
    }
    awv = catalog.lookup("G0438")
    assert awv.to_dict()["effective"] == "2011-01-01"


def test_descriptions_read_in_either_order_are_kept(catalog):
    # F41.1 and 11 (pos) store their short description as the long one,
    # G0438 and A0021 their own.
    for code, system in [("F411", "icd10cm"), ("11", "pos"), ("G0438", "hcpcs"), ("A0021", "hcpcs")]:
        long_first = catalog.lookup(code, system=system)
        short_first = catalog.lookup(code, system=system)
        short = short_first.short_description
        long = short_first.description
        assert (long_first.description, long_first.short_description) == (long, short)
        assert long_first.to_dict()["description"] == long
        assert long_first.to_dict()["short_description"] == short
        # Read once, then the same string.
        assert long_first.description is long_first.description
        assert short_first.short_description is short_first.short_description
    assert catalog.lookup("F411").short_description == "Generalized anxiety disorder"
    assert catalog.lookup("G0438").short_description != catalog.lookup("G0438").description
    # Entries made by hand hold their texts.
    same = procode.Entry("X1", "custom", "Intake assessment")
    own = procode.Entry("X2", "custom", "Group session", short_description="Group")
    assert (same.short_description, same.description) == ("Intake assessment",) * 2
    assert (own.short_description, own.description) == ("Group", "Group session")


def test_iterating_a_page_gives_its_entries(catalog):
    page = catalog.search("G04", limit=10)
    assert len(page) == 10
    listed = list(page)
    assert [e.code for e in listed] == [page[i].code for i in range(len(page))]
    # The same objects as indexing, each made once.
    assert all(e is page[i] for i, e in enumerate(page))
    assert all(e is page[i - len(page)] for i, e in enumerate(listed))
    assert [e.description for e in page] == [e.description for e in catalog.search("G04", limit=10)]
    assert list(catalog.search("G04", limit=0)) == []
    it = iter(page)
    assert next(it) is page[0]
    with pytest.raises(IndexError):
        page[len(page)]


def test_len_and_repr(catalog):
    assert len(catalog) > 100_000
    assert catalog.index_size > 0
    assert repr(catalog).startswith("<Catalog ")


def test_build_from_entries_in_memory_and_to_file(tmp_path: pathlib.Path):
    entries = [
        procode.Entry("X1", "custom", "Intake assessment"),
        procode.Entry(
            "X2",
            "custom",
            "Group session",
            short_description="Group",
            effective=dt.date(2024, 1, 1),
            terminated=dt.date(2024, 12, 31),
        ),
    ]
    mem = procode.Catalog.build(entries=entries)
    assert len(mem) == 2
    assert mem.lookup("x2").short_description == "Group"
    assert mem.lookup("X2", as_of=dt.date(2025, 1, 1)) is None
    path = tmp_path / "custom.idx"
    built = procode.Catalog.build(path, entries=entries)
    assert path.exists()
    opened = procode.Catalog.open(path)
    assert opened.lookup("X1") == built.lookup("X1") == entries[0]
    assert procode.Catalog.open(str(path), verify="lazy").search("intake")[0].code == "X1"


def _cms_dir() -> pathlib.Path:
    env = os.environ.get("PROCODE_DATA_DIR")
    d = pathlib.Path(env) if env else pathlib.Path(__file__).resolve().parents[2] / "target" / "data"
    assert (d / "cms").is_dir(), f"code-set data missing at {d}: run `make data` or set PROCODE_DATA_DIR"
    return d / "cms"


def test_build_brings_an_order_file_forward_by_its_addenda():
    cms = _cms_dir()
    order = cms / "icd10cm_order_2026.txt"
    cat = procode.Catalog.build(
        order_files=[("icd10cm", order)], addenda=[("cm", cms / "icd10cm_order_addenda_2027.txt")]
    )
    new = cat.lookup("C78.31")
    assert new is not None and new.description == "Secondary malignant neoplasm of larynx"
    # New in FY2027: valid from the release's first day only.
    assert new.effective == dt.date(2026, 10, 1)
    assert cat.lookup("C78.31", as_of=dt.date(2026, 9, 30)) is None
    # Deleted and added back as a header: it existed before, so no date.
    i420 = cat.lookup("I42.0")
    assert i420 is not None and not i420.billable and i420.effective is None
    with pytest.raises(procode.SourceError, match="order file"):
        procode.Catalog.build(addenda=[("icd10cm", cms / "icd10cm_order_addenda_2027.txt")])
    with pytest.raises(procode.InvalidCode, match="unknown ICD-10 code set"):
        procode.Catalog.build(order_files=[("hcpcs", order)])


def test_build_from_data_dir_and_mapped_csv(tmp_path: pathlib.Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "place_of_service.tsv").write_text(
        "code\tname\tdescription\n11\tOffice\tA place where a practitioner sees patients\n"
        "10\tTelehealth Provided in Patient's Home\tThe home\n"
    )
    cpt = tmp_path / "cpt.csv"
    cpt.write_text("Code,Long,Short\n99213,Office visit established patient,OV est\n")
    cat = procode.Catalog.build(
        tmp_path / "out.idx",
        data_dir=data,
        include=["pos"],
        mapped=[
            procode.MappedSource(
                cpt, system="cpt", code="Code", description="Long", short_description="Short"
            )
        ],
    )
    assert cat.lookup("11", system="pos").description == "Office"
    assert cat.lookup("99213").system == "cpt"
    assert cat.lookup("99213").short_description == "OV est"
    assert cat.search("office", system="pos")[0].code == "11"


def test_mapped_source_by_index_and_system_column(tmp_path: pathlib.Path):
    f = tmp_path / "mixed.tsv"
    f.write_text("X9\tcustom\tHome visit\nG0438\thcpcs\tAWV\n")
    src = procode.MappedSource(f, code=0, system_column=1, description=2, has_header=False)
    cat = procode.Catalog.build(mapped=[src])
    assert cat.lookup("X9").system == "custom"
    assert cat.lookup("G0438").system == "hcpcs"
    assert src.path == f
