"""The HTML layer of both reports (report, fit_report): the style sheet, the one escape, tables and embedded
figures, and the page around them.

Everything the reports show that came from a file (experiment names and descriptions, scenario names, strategy
labels, sweep axes, outcome names, provenance, data sources) is data, never markup: it reaches the page only
through `escape` (html.escape with quotes, control characters replaced) or `table` (pandas with escape=True,
every cell and header cleaned first). Figures are embedded as PNG data URIs; the page holds no script and links
nothing outside itself.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.runs.store import atomic_write, write_figure

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;
color:#222;font-size:18px;line-height:1.45}
h1{font-size:2em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
.finding{font-size:1.1em;margin:.4em 0} .clear{color:#0b5394} .unclear{color:#666} .warn{color:#a33}
img{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0} td,th{border:1px solid #ccc;padding:.25em .5em}
th{background:#f3f6fa} .meta{color:#555;font-size:.85em} details{margin:1em 0}
"""
"""The style sheet of both reports."""

# C0/C1 control characters other than tab, newline and carriage return, and lone surrogates (which cannot be
# written as UTF-8): invalid in an HTML document, shown as U+FFFD.
NOT_HTML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean(text: object) -> str:
    """Text with every character that may not appear in an HTML document (control characters other than tab,
    newline and carriage return; lone surrogates) replaced by U+FFFD; not yet escaped."""
    return NOT_HTML.sub(REPLACEMENT, str(text))


def escape(text: object) -> str:
    """Any text for the page (element content or a double-quoted attribute value): cleaned and escaped, quotes
    included. '<b>"x"</b>' -> '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'."""
    return html.escape(clean(text), quote=True)


def table(df: pd.DataFrame, floatfmt: str = "{:.3f}", na_rep: str = "NaN") -> str:
    """A frame as an HTML table (no index) whose every cell and header is cleaned and escaped (pandas
    escape=True); floats formatted with `floatfmt`, missing values shown as `na_rep`."""
    out = df.rename(columns=lambda c: clean(c))
    out = out.apply(lambda col: col.map(lambda v: clean(v) if isinstance(v, str) else v))
    return out.to_html(index=False, float_format=floatfmt.format, border=0, escape=True, na_rep=na_rep)


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def img(data: bytes, alt: str) -> str:
    """An <img> of PNG bytes as a data URI, with `alt` (plain text, escaped here) as its alternative text and
    title."""
    uri = base64.b64encode(data).decode("ascii")
    return f'<img alt="{escape(alt)}" title="{escape(alt)}" src="data:image/png;base64,{uri}">'


def embed(fig: Figure, alt: str, name: str | None = None, figdir: Path | None = None, dpi: int = 100) -> str:
    """The figure as an embedded PNG (<img> with `alt` as its alternative text). With `name` and `figdir` it is
    also written (atomically, sim.runs.store) as figdir/NAME.svg and figdir/NAME.png, the PNG the same image as
    the embedded one; `name` must be a safe file name."""
    if name is None or figdir is None:
        return img(png(fig, dpi), alt)
    write_figure(fig, figdir / f"{name}.svg")
    engine = fig.get_layout_engine()
    fig.set_layout_engine("none")  # the layout the SVG got (layouts are in figure fractions): not laid out again
    try:
        data = png(fig, dpi)
    finally:
        fig.set_layout_engine(engine)
    atomic_write(figdir / f"{name}.png", lambda p: p.write_bytes(data))
    return img(data, alt)


def document(title: str, parts: list[str]) -> str:
    """The page: a self-contained HTML document titled `title` (plain text, escaped here) with the style sheet
    and the given parts (HTML already escaped) as its body."""
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def write_page(path: Path, page: str) -> Path:
    """Write a page (`document`) to `path` as UTF-8, atomically (sim.runs.store); returns the path."""
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path
