"""The README quotes sweep results only as ``ttc-viz report`` prints them: every line of a
quoted table and every decimal number in the prose of a ``<!-- report: FOLDER [--bins K] -->``
block must be in that report's text for the shipped data."""
import re
import shlex
from pathlib import Path

import pytest

from ttc_viz.experiments.report import build, text_report

ROOT = Path(__file__).parent.parent
BLOCK = re.compile(r"<!-- report: ([^>]*?) -->\n(.*?)<!-- /report -->", re.S)
NUMBER = re.compile(r"[-+]?\d+\.\d+")


def _blocks():
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def _quoted(body: str) -> tuple[list[str], list[str]]:
    """(table and code lines, prose lines) of a block."""
    table, prose, fenced = [], [], False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced or line.startswith("|"):
            table.append(line.rstrip())
        elif line.strip():
            prose.append(line)
    return table, prose


def test_the_readme_quotes_at_least_the_shipped_sweep():
    folders = [shlex.split(args)[0] for args, _ in _blocks()]
    assert "data/sweep-smollm2" in folders


@pytest.mark.parametrize("args,body", _blocks(), ids=[a for a, _ in _blocks()])
def test_every_quoted_number_is_printed_by_the_report(args, body):
    argv = shlex.split(args)
    bins = argv[argv.index("--bins") + 1] if "--bins" in argv else None
    text = text_report(build(ROOT / argv[0], bins))
    printed = {ln.rstrip() for ln in text.splitlines()}
    table, prose = _quoted(body)
    assert table, "a report block quotes at least one table"
    missing = [ln for ln in table if ln not in printed]
    assert not missing, f"README lines not printed by `ttc-viz report {args}`:\n" + "\n".join(missing)
    numbers = set(NUMBER.findall(text))
    unknown = [n for ln in prose for n in NUMBER.findall(ln) if n not in numbers and n.lstrip("+-") not in numbers]
    assert not unknown, f"numbers in the README's prose that `ttc-viz report {args}` does not print: {unknown}"
