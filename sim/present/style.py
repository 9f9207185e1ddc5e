"""The one figure style of sim.present: font sizes and line widths, the palette, how names are drawn, and the
checks every figure makes of its input.

Sizes are for projection (every text >= 13 pt) and are set on each figure's artists, so a figure looks the same
whatever the global rcParams. Colours are Okabe-Ito (colour-blind safe): one fixed colour per named strategy
(two_track blue, linked orange, package_deal green), further strategies in the remaining Okabe-Ito colours in
the order they appear in the data (`strategy_colours`).

Names read from scenario and experiment files (scenario names, strategy labels, sweep axes, titles) are data:
every text drawn goes through `plain` (or `strategy_name`, `wrap`, `suptitle`, which use it), so it is shown as
written: a `$` is a dollar sign (never mathtext), TeX is never used whatever `text.usetex` says (`as_written`),
control characters become spaces, and names longer than MAX_LABEL characters are cut with an ellipsis (on the
figure only: keys and gids keep the full name). Words for strategies, scenarios and columns come from
sim.analysis.words, so that the report's tables and its figures spell a strategy the same way.

Every function here is pure; nothing calls pyplot.
"""

from __future__ import annotations

import functools
import io
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.words import display_name

# ------------------------------------------------------------------------------------------- sizes and lines
TITLE, LABEL, TICK, LEGEND, NOTE = 17, 15, 14, 13, 13  # font sizes (points)
MEDIAN_LW, REF_LW = 3.2, 1.8  # a median line; a reference line (zero, no difference)
BAND_ALPHA = {50: 0.28, 90: 0.15}  # fill of the 50% and 90% bands
BAND90_LW, BAND90_LS = 1.2, (0, (4, 4))  # the 90% band drawn as dashed edges
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the bands: 5-95% and 25-75% across runs, and the median
RC = {"text.usetex": False, "font.size": TICK, "axes.titlesize": LABEL, "axes.labelsize": LABEL,
      "xtick.labelsize": TICK, "ytick.labelsize": TICK, "legend.fontsize": LEGEND,
      "legend.title_fontsize": LEGEND, "figure.titlesize": TITLE}
"""What `as_written` sets while a figure is built (texts made inside keep these sizes and usetex=False)."""

# ------------------------------------------------------------------------------------------------- palette
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
STRATEGY_COLOURS = {"two_track": "#0072B2", "linked": "#D55E00", "package_deal": "#009E73"}
COUNTRY_COLOURS = {"KR": "#0072B2", "JP": "#D55E00"}
NEUTRAL = "#DDDDDD"  # no clear difference, missing cells
GREY = "#777777"  # band swatches in legends, reference marks

MAX_LABEL = 60  # characters of a name shown in a figure; longer names are cut with an ellipsis (display only)
# Control characters (newlines and tabs too), line and paragraph separators, bidirectional overrides and lone
# surrogates: none belongs in a one-line label, and some break the SVG (XML) output.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]+")


def strategy_colours(strategies: Iterable[str]) -> dict[str, str]:
    """The colour of each strategy: the fixed colour of a named one (STRATEGY_COLOURS), the other Okabe-Ito
    colours in turn for the others, in the order given (pass every strategy of the data, so that a figure of a
    subset keeps the colours of the whole)."""
    out, j = {}, 0
    spare = [c for c in OKABE_ITO if c not in STRATEGY_COLOURS.values()]
    for s in dict.fromkeys(strategies):
        if s in STRATEGY_COLOURS:
            out[s] = STRATEGY_COLOURS[s]
        else:
            out[s] = spare[j % len(spare)]
            j += 1
    return out


# ---------------------------------------------------------------------------------------------------- text

def shorten(text: object, limit: int | None = MAX_LABEL) -> str:
    """`text` as one line fit for display: unprintable characters (newlines, tabs, other control characters,
    bidirectional overrides) become one space, surrounding spaces go, and text longer than `limit` characters
    is cut with an ellipsis. For display only (never a key); not yet safe from mathtext, see `plain`."""
    s = UNPRINTABLE.sub(" ", str(text)).strip()
    if limit is not None and len(s) > limit:
        s = s[:max(limit - 1, 1)].rstrip() + "…"
    return s


def no_math(text: str) -> str:
    """Escape every `$` so that matplotlib draws the text as written, never as mathtext (with TeX off, a
    drawn '\\$' shows as '$'). Apply once, to the final string handed to matplotlib; keeps newlines."""
    return str(text).replace("$", "\\$")


def plain(text: object, limit: int | None = MAX_LABEL) -> str:
    """A name as matplotlib should show it: one line (`shorten`) and literal dollar signs (`no_math`).
    plain("a$b$c") is drawn as a$b$c, not as a formula; plain("x" * 300) is 60 characters ending in '…'."""
    return no_math(shorten(text, limit))


def wrap(text: object, width: int = 16, limit: int = MAX_LABEL) -> str:
    """A name wrapped to `width` characters a line, ready to draw (shortened, underscores as spaces, `$`
    escaped)."""
    return no_math(textwrap.fill(shorten(text, limit).replace("_", " "), width))


def strategy_text(label: object, stacked: bool = False, width: int | None = None) -> str:
    """A strategy's label in words (sim.analysis.words.display_name: 'kr=two_track,jp=linked' -> 'KR two-track /
    JP linked'), shortened (each country's part on its own line when `stacked`), each line wrapped to `width`
    characters if given; not yet escaped: for text that goes through `plain` or `suptitle` (else use
    `strategy_name`)."""
    lines = display_name(str(label), sep="\n").split("\n")
    if stacked:
        limit = max(12, MAX_LABEL // len(lines))
        lines = [shorten(line, limit) for line in lines]
    else:
        lines = [shorten(" / ".join(lines))]
    if width:
        lines = [textwrap.fill(line, width) for line in lines]
    return "\n".join(lines)


def strategy_name(label: object, stacked: bool = False, width: int | None = None) -> str:
    """A strategy's label in words, ready to draw (`strategy_text` with `$` escaped): the one way a figure
    names a strategy."""
    return no_math(strategy_text(label, stacked, width))


def gid(label: object) -> str:
    """A name in a gid (an SVG id): the full name, without control characters (invalid in XML)."""
    return shorten(label, None)


# --------------------------------------------------------------------------------------------- the figure
_F = TypeVar("_F", bound=Callable[..., Any])


def as_written(func: _F) -> _F:
    """Build the figure in the one style with TeX off (a decorator of figure functions): every Text made inside
    keeps usetex=False and the sizes of RC, whatever the global rcParams (TeX would read a label's backslashes,
    braces, % and $ as commands)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(RC):
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def style_axes(ax: Any, grid: str = "both") -> None:
    """Projection-sized ticks and labels, a light grid along `grid` ('both', 'x', 'y' or '' for none), no top or
    right frame."""
    ax.tick_params(labelsize=TICK, width=1.2, length=5)
    ax.xaxis.label.set_size(LABEL)
    ax.yaxis.label.set_size(LABEL)
    ax.title.set_size(LABEL)
    if grid:
        ax.grid(axis=grid, alpha=0.3, lw=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def suptitle(fig: Figure, text: object) -> None:
    """The figure's title, shown as written (each line shortened, `$` escaped) and wrapped to the figure's
    width."""
    chars = int(fig.get_figwidth() * 72 * 0.95 / (0.56 * TITLE))
    lines = [textwrap.fill(shorten(line, 3 * MAX_LABEL), chars) for line in str(text).split("\n")]
    fig.suptitle(no_math("\n".join(lines)), fontsize=TITLE)


def band_handles(colour: str = GREY, outline90: bool = True, runs: str = "seeds") -> list:
    """Legend entries of the 50% band (filled) and the 90% band (dashed edges if `outline90`, else filled
    lightly) across `runs`."""
    h90 = (Line2D([], [], color=colour, lw=BAND90_LW, ls=BAND90_LS, label=f"middle 90% of {runs}") if outline90
           else Patch(facecolor=colour, alpha=BAND_ALPHA[90] + 0.05, label=f"middle 90% of {runs}"))
    return [Patch(facecolor=colour, alpha=BAND_ALPHA[50] + 0.08, label=f"middle 50% of {runs}"), h90]


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """A figure as PNG bytes (what a notebook shows)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def show_in_notebooks() -> None:
    """Let IPython and Jupyter show the figures of this package (matplotlib Figures built without pyplot) inline,
    as PNG, without `%matplotlib inline`. Does nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)


show_in_notebooks()


# --------------------------------------------------------------------------------------- checking the input

def need(df: object, what: str, columns: Sequence[str] = (), chosen: Sequence[str] = ()) -> pd.DataFrame:
    """The frame `df`, checked for a figure: a ValueError if it is missing or empty ("the monthly frame is empty
    or missing"), if it lacks any of the `columns` the figure needs (naming them), or if it lacks a column the
    caller chose (`chosen`: a variable or an outcome), naming it and listing the columns it could have been."""
    if df is None or not isinstance(df, pd.DataFrame) or not len(df):
        hint = " (was the experiment run with `monthly: false`?)" if what == "monthly" else ""
        raise ValueError(f"the {what} frame is empty or missing{hint}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"the {what} frame has no column(s) {', '.join(map(repr, missing))}")
    for column in chosen:
        if column not in df.columns:
            keys = {"key", "scenario", "strategy", "seed", "point", "month", "scenario_hash"}
            avail = [c for c in df.columns if c not in keys and not str(c).startswith("sweep.")]
            raise ValueError(f"the {what} frame has no column {column!r}; available: "
                             + ", ".join(map(str, avail[:40])) + (" ..." if len(avail) > 40 else ""))
    return df


def require(wanted: Sequence, present: Sequence, kind: str, where: str) -> None:
    """A ValueError naming the values asked for that are not there ("strategy 'x' not in the results") and
    listing those that are."""
    missing = [s for s in wanted if s not in present]
    if missing:
        raise ValueError(f"{kind} {', '.join(map(repr, missing))} not in {where}; "
                         f"available: {', '.join(map(str, present))}")


def distinct(values: Iterable) -> list:
    """Distinct values in order of first appearance (fast on long columns)."""
    return pd.unique(pd.Series(values)).tolist()


def select_runs(df: pd.DataFrame, scenario: str | None, strategies: Sequence[str] | None,
                point: int | None) -> tuple[pd.DataFrame, list[str]]:
    """The rows of one scenario (all if None) and sweep point (all if None) for the requested strategies (all if
    None), and those strategies; a clear ValueError for a scenario, point or strategy that is not there."""
    if scenario is not None:
        scen = distinct(df["scenario"])
        if scenario not in scen:
            raise ValueError(f"scenario {scenario!r} is not in the results; available: {', '.join(map(str, scen))}")
        df = df[df["scenario"] == scenario]
    if point is not None:
        if "point" not in df.columns or point not in set(df["point"]):
            pts = sorted(set(df["point"])) if "point" in df.columns else []
            raise ValueError(f"sweep point {point!r} is not in the results; available: {pts}")
        df = df[df["point"] == point]
    present = distinct(df["strategy"])
    if strategies is None:
        return df, present
    strategies = list(strategies)
    if not strategies:
        raise ValueError("no strategies requested")
    where = f"the results for scenario {scenario!r}" if scenario is not None else "the results"
    require(strategies, present, "strategy", where)
    return df[df["strategy"].isin(strategies)], strategies


def n_points(df: pd.DataFrame) -> int:
    """The number of sweep points in a frame (1 without a point column)."""
    return int(df["point"].nunique()) if "point" in df.columns else 1


def runs_word(df: pd.DataFrame) -> str:
    """What one run of the frame is to a reader: 'seeds' at one sweep point, 'runs' when points are pooled."""
    return "seeds" if n_points(df) == 1 else "runs"


def seed_note(counts: pd.Series, points: int) -> str:
    """'median of 8 seeds' (or '6-8 seeds', or runs pooled over sweep points): a legend title."""
    lo, hi = int(counts.min()), int(counts.max())
    runs = "seeds" if points == 1 else "runs"
    text = f"median of {lo} {runs}" if lo == hi else f"median of {lo}-{hi} {runs}"
    if points > 1:
        text += f"\n(pooled over {points} sweep points)"
    return text
