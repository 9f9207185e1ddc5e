"""Hostile names are data, never markup or mathtext: a report built from an experiment whose description,
strategy labels and scenario name are HTML, attribute breakers, mathtext, very long, unicode or control
characters holds them only escaped, parses as HTML with nothing but the tool's own elements and attributes, and
its figures are drawn without error, showing every name as written."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.cbook import is_math_text  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import sim  # noqa: E402
from sim import analysis as A  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.present import figures as F  # noqa: E402
from sim.present import html as W  # noqa: E402
from sim.present import style as P  # noqa: E402
from sim.present.report import build_report  # noqa: E402
from tests.helpers import PINNED_PATH

SCRIPT = "<script>alert(1)</script>"
ATTR = '"onmouseover=alert(1) x="'
TABLE = "</table><img src=x onerror=alert(1)>"
MATH = "$\\frac{"
MATH_PAIR = "$\\frac{$"  # an even number of dollars: mathtext, and a ParseError when drawn as such
DOLLARS = "a$b$c"
LONG = "long-label-" * 27 + "end"  # 300 characters: in the figures (a label in a file has at most 100)
LONG_LABEL = LONG[:100]
UNICODE = "日本–한국"
CONTROL = "tab\there\nnew line\x07bell"
PAIR = "kr=<b>x</b>"  # looks like a per-country pair, opens the 2x2 section
LABELS = [SCRIPT, ATTR, TABLE, MATH, MATH_PAIR, DOLLARS, LONG_LABEL, UNICODE + " " + CONTROL, PAIR]
SCENARIO = f"{TABLE} {MATH} {UNICODE}"
DESCRIPTION = f"{SCRIPT} {ATTR} {TABLE} {UNICODE} {LONG}"
RAW = [SCRIPT, TABLE, "<b>x</b>", "<img src=x", "\x07"]  # never in the page as written (ATTR may be, as cell text)

pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # CJK glyphs in DejaVu Sans


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A tiny batch (pinned and a scenario with a hostile name, nine hostile strategy labels, two seeds, six
    months) and its report."""
    root = tmp_path_factory.mktemp("hostile")
    scen = root / "hostile_scenario.yaml"
    scen.write_text(f"extends: {PINNED_PATH.as_posix()}\nname: {SCENARIO!r}\n".replace("'", '"'), encoding="utf-8")
    scenarios = [str(PINNED_PATH)]
    try:
        assert sim.load_scenario(scen).name == SCENARIO
        scenarios.append(str(scen))
    except InputError:  # scenario names restricted: keep the other cases
        pass
    strategies = [{"name": lab, "levers": {"extends": "linked", "boycott": round(0.1 * i, 1)}}
                  for i, lab in enumerate(LABELS)]
    exp = {"name": "hostile-report", "description": DESCRIPTION, "scenarios": scenarios,
           "strategies": strategies, "seeds": 2, "overrides": {"horizon": 6, "burn_in": 3}}
    res = sim.run_experiment(exp, root / "results", jobs=1, progress=False)
    assert len(res.summaries) == 2 * len(LABELS) * len(scenarios) and not len(res.failures)
    return res, build_report(root / "results", root / "report"), len(scenarios) == 2


@pytest.mark.slow  # the hostile batch's report takes ~20 s; CI runs it
def test_a_hostile_scenario_name_is_part_of_the_batch(hostile):
    if not hostile[2]:
        pytest.skip("scenario names are restricted: the hostile scenario name is refused on loading")
    assert SCENARIO in set(hostile[0].summaries["scenario"])


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


ELEMENTS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "details", "summary", "table",
            "thead", "tbody", "tr", "th", "td", "img", "code"}
ATTRIBUTES = {"lang", "charset", "class", "alt", "title", "src", "border", "style"}


@pytest.mark.slow  # the hostile batch's report takes ~20 s; CI runs it
def test_the_page_holds_hostile_text_only_escaped(hostile):
    res, report, _ = hostile
    page = report.read_text(encoding="utf-8")
    for raw in RAW:
        assert raw not in page, raw
    assert "<script" not in page.lower()
    assert html.escape(SCRIPT) in page  # in the description and the meta line
    assert html.escape(ATTR, quote=True) in page
    assert html.escape(TABLE) in page
    assert html.escape(MATH) in page and html.escape(DOLLARS) in page and LONG_LABEL in page and UNICODE in page
    assert "tab\there\nnew line\ufffdbell" in page  # the bell is shown as U+FFFD, other whitespace kept


@pytest.mark.slow  # the hostile batch's report takes ~20 s; CI runs it
def test_the_page_parses_with_only_the_tools_own_markup(hostile):
    _, report, with_scenario = hostile
    parser = _Page()
    parser.feed(report.read_text(encoding="utf-8"))
    parser.close()
    tags = {t for t, _ in parser.tags}
    assert tags <= ELEMENTS, tags - ELEMENTS  # no <script>, no injected <img> outside the figures, no </table>
    attrs = {a for _, at in parser.tags for a in at}
    assert attrs <= ATTRIBUTES, attrs - ATTRIBUTES
    imgs = [at for t, at in parser.tags if t == "img"]
    assert imgs and all(at["src"].startswith("data:image/png;base64,") for at in imgs)
    assert len(imgs) == (10 if with_scenario else 7)  # nothing injected, nothing lost (the verdict grid first)
    text = "".join(parser.text)
    for shown in (SCRIPT, ATTR, DESCRIPTION):  # shown to the reader as written
        assert shown in text
    if with_scenario:
        assert text.count(SCENARIO) >= 2  # a heading under Findings and under Over time


@pytest.mark.slow  # the hostile batch's report takes ~20 s; CI runs it
def test_figure_files_have_safe_names_and_are_valid(hostile):
    _, report, _ = hostile
    files = sorted((report.parent / "figures").iterdir())
    assert files and all(re.fullmatch(r"[A-Za-z0-9._-]{1,120}\.(png|svg)", f.name) for f in files), files
    for svg in (f for f in files if f.suffix == ".svg"):
        ET.parse(svg)  # well-formed XML: no control character, no comment or attribute broken out of


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.slow  # the hostile batch's report takes ~20 s; CI runs it
def test_figures_show_hostile_names_as_written(hostile):
    res, _, _ = hostile
    longer = {"strategy": {LONG_LABEL: LONG}}  # figures take any label: try the longest
    m, s = res.monthly.replace(longer), res.summaries.replace(longer)
    scen = list(dict.fromkeys(s["scenario"]))[-1]
    game = pd.DataFrame([{"scenario": scen, "KR": kr, "JP": jp, "payoff_KR": 0.5, "payoff_JP": 0.4}
                         for kr in (MATH_PAIR, LONG) for jp in (DOLLARS, SCRIPT)])
    one_run = m[(m["scenario"] == scen) & (m["strategy"] == DOLLARS) & (m["seed"] == 0)]
    with matplotlib.rc_context({"text.usetex": True}):  # a user's global TeX setting is not used for names
        figs = {
            "fan": F.fan_chart(m, "health", scen, title=f"{MATH_PAIR} {LONG}"),
            "difference": F.difference_fan(m, "health", scen, MATH_PAIR, DOLLARS, mean=True),
            "violin": F.outcome_distributions(s, "health_discounted"),
            "ecdf": F.outcome_distributions(s, "health_discounted", kind="ecdf", title=CONTROL),
            "win": F.win_matrix_figure(A.win_matrix(s, "health_discounted", 1e-3), value_label=MATH_PAIR),
            "youth": F.youth_public_panels(m, scen, [MATH_PAIR, LONG, LABELS[7]]),
            "payoff": F.payoff_table_figure(game),
            "run": F.plot_run(one_run, None, f"{scen} - {MATH_PAIR} - seed 0"),
            "distributions": F.outcome_distributions(s, ["health_discounted"], kind="box"),
            "verdicts": F.verdict_grid(A.compare_table(s, DOLLARS, [MATH_PAIR, SCRIPT]), ["health_discounted"]),
        }
    for name, fig in figs.items():
        fig.savefig(io.BytesIO(), format="png", dpi=40)  # drawing raised a mathtext ParseError before
        for t in _texts(fig):
            assert not t.get_usetex() and not is_math_text(t.get_text()), (name, t.get_text())
            assert all(len(line) <= 3 * P.MAX_LABEL for line in t.get_text().split("\n")), (name, t.get_text())
            assert not re.search("[\x00-\x08\x0b-\x1f]", t.get_text()), (name, t.get_text())
    shown = {t.get_text().replace("\\$", "$") for fig in figs.values() for t in _texts(fig)}
    assert {MATH_PAIR, DOLLARS, MATH, SCRIPT, ATTR} <= shown  # legend entries, drawn as written
    assert any(x.startswith("long-label-") and x.endswith("…") and len(x) == P.MAX_LABEL for x in shown)
    assert P.strategy_text(PAIR) == "KR <b>x</b>" and P.strategy_text(ATTR) == ATTR


def test_plain():
    assert P.plain("a$b$c") == "a\\$b\\$c" and not is_math_text(P.plain(MATH_PAIR))
    assert P.plain(CONTROL) == "tab here new line bell"
    cut = P.plain("x" * 300)
    assert len(cut) == P.MAX_LABEL and cut.endswith("…") and P.plain("x" * 300, None) == "x" * 300
    assert P.plain(UNICODE) == UNICODE and P.shorten(" a\u202eb ") == "a b"


def test_the_shared_html_escape_on_hostile_names():
    """sim.present.html, the one HTML layer of both reports: text is escaped (quotes too), control characters are
    shown as U+FFFD, and a table of hostile names and headers holds them only escaped."""
    from sim.present import fit_report, report

    for name in (SCRIPT, ATTR, TABLE, PAIR, DESCRIPTION, CONTROL):
        text = W.escape(name)
        assert "<" not in text and '"' not in text and "\x07" not in text
        assert html.unescape(text) == name.replace("\x07", "\ufffd")
    assert W.escape("\ud800x") == "\ufffdx"  # a lone surrogate cannot be written as UTF-8
    frame = pd.DataFrame({SCRIPT: [TABLE, ATTR], "plain": [CONTROL, 1.5]})
    cell = W.table(frame)
    for raw in RAW:
        assert raw not in cell
    assert html.escape(SCRIPT) in cell and html.escape(TABLE) in cell and "bell" in cell
    parser = _Page()
    parser.feed(W.document(SCRIPT, [cell]))
    assert {t for t, _ in parser.tags} <= ELEMENTS and SCRIPT in "".join(parser.text)
    assert report.html is W and fit_report.html is W  # both reports write through it
