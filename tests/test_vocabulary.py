"""No module outside the vocabulary file spells a UI string.

Chinese is easy to find: outside an explicit allow-list of modules that read Chinese documents, no
string in the package's code (docstrings and comments aside) holds a CJK character. English prose is
harder to tell from identifiers and markup; the modules that build the reader's sentences and headings
(answers, report, the landing page) are checked for runs of three or more words.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import compare
from compare import paths, vocab

PACKAGE = Path(compare.__file__).parent
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
#: Modules that may spell Chinese, each with the reason.
ALLOWED_CJK = {
    "extract/reader.py": "reads plan text: units (万, 亿), comparators (以上, 不少于), years (到2026年), scope words, headings",
    "data/provenance.py": "reads the numbers a quote writes in Chinese (万/亿, Chinese numerals) to check a row's value",
    "extract/tables.py": "reads a plan's indicator tables: 约束性/预期性 columns, 2025年目标 headers, a note on bracketed totals",
    "extract/keys.py": "reads a candidate's basis, scope and denominator from the plan's words (新建, 每年, 累计, 占常住人口)",
    "extract/candidates.py": "reads a candidate's scope from the plan's words (市本级, 镇区域, 新建城区)",
    "data/guards.py": "splits a quote into clauses at Chinese punctuation (，；。) to find the words of its value",
    "data/wording.py": "the plan's words that say a count is newly built or added (新建, 新增), for validate and extract",
    "data/rules.py": "its messages to a curator name the Chinese notations the value check reads (万/亿)",
    "report/citation.py": "cites a Chinese document as issuer《title》, the form the documents' own citations take",
    "cli.py": "its help shows a search typed in Chinese (compare indicators 护理)",
    "data/codebook_entry.py": "splits the Chinese terms a curator types at Chinese commas (，、) and drops a title's "
                              "bracketed note （…） to make an object's term",
    "data/facets.py": "drops a Chinese title's bracketed basis word （累计） when it proposes a sibling's title",
}
#: Three or more words: prose, not an identifier, a CSS class or a format.
PROSE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")


def _strings(path: Path, *, errors: bool = True) -> list[tuple[int, str]]:
    """(line, text) of every string in the code of ``path``: docstrings left out, f-string parts included;
    ``errors=False`` also leaves out the messages of raised exceptions (for developers, in English)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                skip.add(id(first.value))
        if not errors and isinstance(node, ast.Raise):
            skip.update(id(n) for n in ast.walk(node))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "vendor" not in p.parts)


def test_no_chinese_outside_the_vocabulary():
    found = [f"{p.relative_to(PACKAGE)}:{line}: {text[:50]!r}" for p in _modules()
             if p.relative_to(PACKAGE).as_posix() not in ALLOWED_CJK
             for line, text in _strings(p) if CJK.search(text)]
    assert found == []


def test_the_allow_list_is_needed():
    """Every allowed module still spells Chinese (an entry that is no longer needed goes)."""
    for name in ALLOWED_CJK:
        assert any(CJK.search(t) for _, t in _strings(PACKAGE / name)), name


@pytest.mark.parametrize("module", ["analysis/answers.py", "report/page.py", "report/theme.py", "report/profile.py",
                                    "report/tables.py"])
def test_no_english_prose_in_sentence_and_heading_code(module):
    found = [f"{module}:{line}: {text[:60]!r}" for line, text in _strings(PACKAGE / module, errors=False)
             if PROSE.search(text)]
    assert found == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('"""模块说明 in a docstring is fine."""\n'
                   'def f(x):\n    """文档."""\n    if not x:\n        raise ValueError("x must be given here")\n'
                   '    return f"{x}年" + "Highest target of all"\n', encoding="utf-8")
    strings = _strings(src, errors=False)
    assert [t for _, t in strings if CJK.search(t)] == ["年"]
    assert [t for _, t in strings if PROSE.search(t)] == ["Highest target of all"]


def test_landing_page_words_come_from_the_vocabulary():
    """The landing template spells no word itself: outside its style sheet and template tags, no Chinese and
    no run of three English words; its labels name vocabulary entries."""
    template = (paths.TEMPLATES / "landing.html.j2").read_text(encoding="utf-8")
    template = re.sub(r"<style>.*?</style>|\{#.*?#\}", " ", template, flags=re.S)
    tags = re.findall(r"\{\{.*?\}\}|\{%.*?%\}", template, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", template, flags=re.S))
    # the words of the page, and any string literal inside a template tag
    words = [text] + [a or b for tag in tags for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', tag)]
    assert [w for w in words if CJK.search(w)] == []
    assert [w for w in words if PROSE.search(w)] == []
    keys = [k for k in re.findall(r'label\("(\w+)', template) if not k.endswith("_")]
    assert keys and all(k in vocab.entries() for k in keys)
