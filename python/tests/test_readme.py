"""The README's Python section runs as written: every ```python block of
"Using procode from Python", in order and in one namespace (a later block
uses the names of an earlier one), as a doctest of the section."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def python_section_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## Using procode from Python", 1)[1].split("\n## ", 1)[0]
    return [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]


def test_readme_python_section_has_its_examples():
    blocks = python_section_blocks()
    assert len(blocks) >= 2
    assert "Catalog.embedded()" in blocks[0] and "Catalog.build(" in blocks[1]


def test_readme_python_section_runs(capsys, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch):
    # The examples name paths relative to a checkout (target/data, the
    # vendored data `make data` unpacks) and a licensed CPT file of the
    # user's own: run them in a scratch directory holding both (CPT
    # descriptors are the AMA's, so this file's wording is made up).
    (tmp_path / "target").mkdir()
    os.symlink(ROOT / "target" / "data", tmp_path / "target" / "data")
    (tmp_path / "my-cpt-2026.csv").write_text("Code,Descriptor\n99213,Office visit (practice wording)\n")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in python_section_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    assert "invoice is paid" in capsys.readouterr().out
    # The build block wrote its index where it said, with the mapped CPT code.
    assert (tmp_path / "codes.idx").is_file()
    cat = namespace["cat"]
    assert cat.lookup("99213", system="cpt").description == "Office visit (practice wording)"  # type: ignore[attr-defined]
