"""A kernel program refused for one mechanical slip is mended the one way it can be, and only
then: the slips are those a 1.5B model made and sent again unchanged on the dev set
(docs/lab/2026-12-01.md)."""

from __future__ import annotations

import pytest

from tools.kernel.compiler_reason import COMPILE_CHARS, kernel_refusal
from tools.kernel.mended_python import mended

MENDED = [
    pytest.param(
        "import pandas as pd\ndf = pd.read_csv('sales.csv')\n"
        "print(df[(df['region'] == 'north') & (df['amount'] > 100)].shape[0]",
        "import pandas as pd\ndf = pd.read_csv('sales.csv')\n"
        "print(df[(df['region'] == 'north') & (df['amount'] > 100)].shape[0])",
        ("`)` added at the end of line 3",),
        id="a call's bracket left open",
    ),
    pytest.param(
        "d = {'a': [1, 2  # the list\nprint(d)",
        "d = {'a': [1, 2]}  # the list\nprint(d)",
        ("`]}` added at the end of line 1",),
        id="two brackets, before a comment",
    ),
    pytest.param(
        "with open('train.log') as f: lines = f.readlines();\n"
        "for line in lines: if 'eval' in line: print(line.split(': ')[1])",
        "with open('train.log') as f: lines = f.readlines();\n"
        "for line in lines:\n    if 'eval' in line:\n        print(line.split(': ')[1])",
        ("line 2 written as 3 lines, one statement each",),
        id="block statements on one line",
    ),
    pytest.param(
        "for x in range(3): if x: print(x); else: print('zero')",
        "for x in range(3):\n    if x:\n        print(x)\n    else:\n        print('zero')",
        ("line 1 written as 5 lines, one statement each",),
        id="an else after a semicolon",
    ),
    pytest.param(
        "with open('a') as f: text = f.read(); for line in text.splitlines(): print(line)",
        "with open('a') as f:\n    text = f.read()\n    for line in text.splitlines():\n"
        "        print(line)",
        ("line 1 written as 4 lines, one statement each",),
        id="a block after a semicolon stays in the with",
    ),
    pytest.param(
        "n = 3\nprint(f'total: {n}\n')\nprint('done\n')",
        "n = 3\nprint(f'total: {n}\\n')\nprint('done\\n')",
        (
            "the line break after line 2 written `\\n` in its string",
            "the line break after line 3 written `\\n` in its string",
        ),
        id="line breaks inside one-line strings",
    ),
    pytest.param(
        "    for x in 'ab': if x: print(x)",
        "    for x in 'ab':\n        if x:\n            print(x)",
        ("line 1 written as 3 lines, one statement each",),
        id="indented, as IPython takes it",
    ),
    pytest.param(
        "%time x = 1\nprint((x",
        "%time x = 1\nprint((x))",
        ("`))` added at the end of line 2",),
        id="beside IPython's magics",
    ),
    pytest.param(
        "\n\nx = [1, 2\nprint(sum(x))",
        "\n\nx = [1, 2]\nprint(sum(x))",
        ("`]` added at the end of line 3",),
        id="after blank lines IPython drops",
    ),
    pytest.param(
        "def f(xs):\n\tfor x in xs: if x: print(x)\n\treturn 1",
        "def f(xs):\n\tfor x in xs:\n\t    if x:\n\t        print(x)\n\treturn 1",
        ("line 2 written as 3 lines, one statement each",),
        id="indented with a tab, kept",
    ),
]


@pytest.mark.parametrize(("sent", "runs", "changes"), MENDED)
def test_a_slip_the_compiler_names_is_mended_and_said(
    sent: str, runs: str, changes: tuple[str, ...]
) -> None:
    found = mended(sent, kernel_refusal)
    assert found is not None and (found.code, found.changes) == (runs, changes)
    assert kernel_refusal(found.code) is None


# An unclosed call filling the compile limit: its mend would be one character past it.
AT_LIMIT = "x = 1\n" * ((COMPILE_CHARS - 7) // 6) + "print(x"
AT_LIMIT += "\n" * (COMPILE_CHARS - len(AT_LIMIT))

LEFT = [
    pytest.param("print(sum([1, 2]))", id="it compiles"),
    pytest.param("print((lambda y: y + 1(2)", id="closed at the line's end, a literal called"),
    pytest.param(AT_LIMIT, id="a mend past the length the compiler is asked about"),
    pytest.param("x = = 1", id="another error"),
    pytest.param("print(1))", id="a bracket too many"),
    pytest.param("print((1]", id="brackets that do not pair"),
    pytest.param("x = (1,\n2, 3", id="the bracket closes a later line's items"),
    pytest.param("x = [1,\n     2", id="the bracket's items go on"),
    pytest.param("y = f(a +\nb", id="the expression goes on"),
    pytest.param("y = f(a\n    , b)", id="the next line is indented under it"),
    pytest.param("s = r'a\nb'", id="a raw string, where \\n is two characters"),
    pytest.param(
        "    s = 'x' + r'a\n    b'", id="a raw string in an indented cell (IPython dedents it)"
    ),
    pytest.param("%%bash\necho (", id="a cell magic's body is not Python"),
    pytest.param("def f(:\n    return 1", id="a header the mend cannot make whole"),
]


@pytest.mark.parametrize("sent", LEFT)
def test_code_that_compiles_or_needs_more_than_a_mend_runs_as_sent(sent: str) -> None:
    assert mended(sent, kernel_refusal) is None
