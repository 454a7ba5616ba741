"""The README's Python example runs as written."""

import pathlib

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs(capsys):
    text = README.read_text()
    section = text.split("## Using procode from Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, str(README), "exec"), {})
    assert "invoice is paid" in capsys.readouterr().out
