"""Generate docs/parameters.md from sim/params.py, the single table of parameters.

    .venv/bin/python docs/make_params_doc.py           # (re)write docs/parameters.md
    .venv/bin/python docs/make_params_doc.py --check   # exit 1 if docs/parameters.md is out of date

Every default, range and meaning in docs/parameters.md comes from sim.params (PARAMS, LEVERS, PRESETS,
SHOCK_KINDS, ENTRY_SCHEMAS); nothing is typed twice. Rerun after changing a default. The script also
recomputes the gain of the feedback loop trust -> cooperation -> benefit -> trust at the current
defaults (docs/ODD.md, "Feedback loops").
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # use the working tree's sim/, installed or not

from sim import params as sp  # noqa: E402
from sim.model.outputs import NEGATIVE_KINDS  # noqa: E402
from sim.model.population import lever_effect  # noqa: E402

OUT = ROOT / "docs" / "parameters.md"

STRATEGY_FIELDS = {"burn_in_strategy", "strategy", "shocks.strategy", "changes.strategy"}
STRATEGY_ALLOWED = "a preset (`two_track`, `linked`, `package_deal`), a name from `strategies:`, or `kr=NAME,jp=NAME`"
TEXT_FIELDS = {"name", "description"}
LIST_SECTIONS = {
    "levers": "mapping lever -> value, applied on top of every strategy in both countries ([levers](#strategy-levers))",
    "strategies": "mapping name -> {extends: PRESET, lever: value, ...}: custom strategies",
    "disputes_initial": "list of disputes open (or settled/closed) at month 0 ([entries](#disputes_initial-entries))",
    "shocks": "list of scheduled (imposed) shocks ([entries](#shocks-entries))",
    "random_shocks": "list of random exogenous shock processes ([entries](#random_shocks-entries))",
    "changes": "list of scheduled changes of levers, strategy, contact, tension, US pressure "
               "([entries](#changes-entries))",
}


# ---- formatting ---------------------------------------------------------------------------------
def fmt_value(v: Any) -> str:
    if v is None:
        return "*required*"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}".replace(",", "_") if abs(v) >= 100_000 else str(v)
    if isinstance(v, str):
        return f"`{v}`" if v else '`""`'
    if isinstance(v, (tuple, list)):
        return "`[" + ", ".join(map(str, v)) + "]`"
    if isinstance(v, dict):
        return "`{}`" if not v else f"`{v}`"
    return f"`{v}`"


def fmt_range(p: sp.P, path: str) -> str:
    if p.choices is not None and isinstance(p.default, tuple):
        return "list of: " + ", ".join(f"`{c}`" for c in p.choices)
    if p.choices is not None:
        return "one of: " + ", ".join(f"`{c}`" if c != "" else '`""`' for c in p.choices)
    leaf = path.split(".", 1)[-1] if path.count(".") else path
    if path in STRATEGY_FIELDS or leaf in STRATEGY_FIELDS:
        return STRATEGY_ALLOWED + (" (empty: none)" if p.default == "" else "")
    if isinstance(p.default, dict):
        return "mapping of [levers](#strategy-levers)"
    if isinstance(p.default, str):
        return "text"
    if p.lo is None:
        return ""
    kind = "integer " if isinstance(p.default, int) and not isinstance(p.default, bool) else ""
    return f"{kind}[{fmt_value(p.lo)}, {fmt_value(p.hi)}]"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out + [""]


def flatten(node: Any, prefix: str) -> list[tuple[str, sp.P]]:
    if isinstance(node, sp.P):
        return [(prefix, node)]
    out: list[tuple[str, sp.P]] = []
    for k, v in node.items():
        out += flatten(v, f"{prefix}.{k}" if prefix else k)
    return out


MISSING_DOC = {  # used only where sim/params.py leaves a meaning empty
    "provocation.magnitude.dist": "distribution of provocation magnitudes; `a`, `b` as in `random_shocks` entries "
                                  "(`value` for `fixed`; the triangular mode is fixed at 0.5)",
}


def param_rows(items: list[tuple[str, sp.P]]) -> list[list[str]]:
    return [[f"`{path}`", fmt_value(p.default), fmt_range(p, path), p.doc or MISSING_DOC.get(path, "")]
            for path, p in items]


# ---- sections -----------------------------------------------------------------------------------
def parameter_sections() -> list[str]:
    lines: list[str] = []
    top = [(k, v) for k, v in sp.PARAMS.items() if isinstance(v, sp.P)]
    lines += ["## Top-level fields", ""]
    rows = param_rows(top)
    for k, v in sp.PARAMS.items():
        if not isinstance(v, sp.P) and k in LIST_SECTIONS:
            rows.append([f"`{k}`", fmt_value(v), "", LIST_SECTIONS[k]])
    sections = [k for k, v in sp.PARAMS.items() if isinstance(v, dict) and v]
    rows += [[f"`{k}`", "", "mapping", f"see [{k}](#{k.replace('.', '')})"] for k in sections
             if k != "population"]
    rows += [[f"`population.{c}`", "", "mapping", f"see [population.{c}](#population{c.lower()})"]
             for c in sp.COUNTRIES]
    lines += table(["path", "default", "range / allowed", "meaning"], rows)
    for key in sections:
        node = sp.PARAMS[key]
        parts = [(f"{key}.{c}", node[c]) for c in sp.COUNTRIES] if key == "population" else [(key, node)]
        for title, sub in parts:
            lines += [f"## {title}", ""]
            lines += table(["path", "default", "range / allowed", "meaning"], param_rows(flatten(sub, title)))
    return lines


def lever_sections() -> list[str]:
    lines = ["## Strategy levers", "",
             "A strategy is a bundle of these values per country (MODEL.md §5). Resolution order: lever "
             "defaults < preset < custom strategy (`strategies:`) < scenario-wide `levers:`. "
             "A scheduled `changes` entry can replace a country's levers at a given month.", ""]
    lines += table(["lever", "default", "range / allowed", "meaning"],
                   [[f"`{k}`", fmt_value(p.default), fmt_range(p, k), p.doc] for k, p in sp.LEVERS.items()])
    defaults = sp.lever_defaults()
    names = list(sp.PRESETS)
    rows, same_as_default, untouched = [], [], []
    for lever in sp.LEVERS:
        vals = [sp.PRESETS[n].get(lever, defaults[lever]) for n in names]
        vals = [list(v) if isinstance(v, tuple) else v for v in vals]
        if any(v != defaults[lever] for v in vals) or len({repr(v) for v in vals}) > 1:
            cells = [fmt_value(v) if v == defaults[lever] else f"**{fmt_value(v)}**" for v in vals]
            rows.append([f"`{lever}`", fmt_value(defaults[lever])] + cells)
        elif any(lever in sp.PRESETS[n] for n in names):
            same_as_default.append(lever)
        else:
            untouched.append(lever)
    lines += ["## Presets: what differs", "",
              "Only levers on which a preset departs from the lever default, or on which the presets differ, "
              "are listed; **bold** marks a value that differs from the lever default.", ""]
    lines += table(["lever", "lever default"] + [f"`{n}`" for n in names], rows)
    shared = same_as_default + untouched
    if shared:
        lines += ["All presets share the lever defaults for: " + ", ".join(f"`{k}`" for k in shared)
                  + " (" + ", ".join(f"`{k}` = {fmt_value(defaults[k])}" for k in shared) + ").", ""]
    lines += ["## Rule-based strategies", "",
              "A base bundle and rules that switch levers when an observable condition holds (the rule language: "
              "[scenarios.md](scenarios.md#adaptive-strategies-rules)).", ""]
    rows = []
    for name, body in sp.ADAPTIVE.items():
        for rule, r in body["rules"].items():
            how = (f"for {r['for']} month(s)" if "for" in r else f"until `{r['until']}`" if "until" in r
                   else "while the condition holds")
            extra = [f"chance {r['chance']}"] if "chance" in r else []
            extra += [f"`{k}` = {v}" for k, v in r.get("with", {}).items()]
            rows.append([f"`{name}`", f"`{body.get('extends', 'two_track')}`", f"`{rule}`", f"`{r['when']}`",
                         f"`{r['use']}`", "; ".join([how, *extra])])
    lines += table(["strategy", "base", "rule", "when", "use", "how long"], rows)
    return lines


def shock_sections() -> list[str]:
    lines = ["## Shock kinds", "",
             "*Exogenous* kinds are drawn before the run from their own random stream (identical under every "
             "strategy for a seed) and are the only kinds allowed in `random_shocks`; *endogenous* kinds "
             "come from the model's decisions (provocations under deterrence, coercion and boycotts from "
             "linkage, agreements from disputes). Any kind may be imposed at a month in `shocks`. Negative "
             "kinds act as trust -= m*s*trust, positive ones as trust += m*s*(1-trust); the sensitivities m "
             "are the `shock_effects` parameters listed.", ""]
    effects = sp.PARAMS["shock_effects"]
    rows = []
    for kind, spec in sp.SHOCK_KINDS.items():
        origin = "exogenous" if spec["exogenous"] else "endogenous"
        sign = "positive" if kind in sp.POSITIVE_KINDS else ("negative" if kind in NEGATIVE_KINDS else "-")
        params = [f"`shock_effects.{kind}.{k}`" for k in effects.get(kind, {})]
        if kind in NEGATIVE_KINDS and kind not in ("us_china_escalation", "pandemic"):
            params.append("`shock_effects.youth_sensitivity`")
        rows.append([f"`{kind}`", origin, sign, spec["doc"], ", ".join(params) or "-"])
    lines += table(["kind", "origin", "sign", "what it touches", "parameters"], rows)
    lines += ["A *negative* kind with magnitude >= `outputs.major_shock_magnitude` is a *major shock* for the "
              "recovery outcome; this includes the endogenous `trade_coercion` logged when a coercive standoff "
              "starts, whose magnitude is `disputes.coercion_trust_hit`. `boycott` and `trade_coercion` events "
              "logged by a linkage carry the boycott lever and `disputes.coercion_trust_hit` as magnitude; a "
              "`boycott` *shock* only acts when imposed in `shocks` (the linkage boycott works through the "
              "`boycott` lever on exposure targets).", ""]
    return lines


def entry_sections() -> list[str]:
    lines = ["## Entries of list sections", "",
             "Each entry is a mapping; fields left out take the default shown. *required* fields must be given.",
             ""]
    for section, schema in sp.ENTRY_SCHEMAS.items():
        lines += [f"### `{section}` entries", ""]
        lines += table(["field", "default", "range / allowed", "meaning"],
                       [[f"`{k}`", fmt_value(p.default), fmt_range(p, f"{section}.{k}"), p.doc]
                        for k, p in schema.items()])
    return lines


def loop_gain_section() -> list[str]:
    """Gain of trust -> offers -> realised cooperation -> benefit target -> trust at the defaults."""
    d = sp.defaults()
    c, g = d["citizens"], d["government"]
    lev = sp.lever_defaults()
    presets = [{**lev, **sp.PRESETS[n]} for n in sp.PRESETS]
    comm = max(p["public_communication"] for p in presets)
    horizon = min(p["horizon"] for p in presets)
    effect = float(lever_effect(comm))
    pops = [d["population"][k] for k in sp.COUNTRIES]
    ys = [q["youth_share_adults"] for q in pops]
    kx = sum((y * c["kappa_contact_youth"] + (1 - y) * c["kappa_contact_public"]) for y in ys) / len(ys)
    gbar = sum(y * q["grievance_youth"] + (1 - y) * q["grievance_public"]
               for y, q in zip(ys, pops, strict=True)) / len(ys)
    a, bg, cg, kb, kg = g["trust_weight"], c["benefit_gain"], c["communication_gain"], c["kappa_benefit"], \
        c["kappa_grievance"]
    slope = 0.25 * a
    chase = g["approval_chasing"] * (1 - horizon)
    slope_chase = 0.25 * ((1 - chase) * a + chase * g["winset_trust"])
    chase0 = g["approval_chasing"]  # horizon 0, the lever's lower bound: the worst case in any scenario
    slope_chase0 = 0.25 * ((1 - chase0) * a + chase0 * g["winset_trust"])
    worst = max(slope, slope_chase, slope_chase0)
    mult = bg * (1 + cg * effect)
    ratio = kb / (kb + kx + kg * gbar)
    gain = slope * mult * ratio
    gain_chase = worst * mult * ratio
    bound = worst * mult
    recip = 0.25 * g["reciprocity"]
    rows = [
        ["1. logistic slope x trust weight", "1/4 x `government.trust_weight`", f"1/4 x {a:g} = {slope:.4g}"],
        ["2. offer slope above the win-set, approval-chasing at the presets' horizon",
         "1/4 x ((1-k) x `trust_weight` + k x `winset_trust`), k = `approval_chasing` x (1 - `horizon`)",
         f"k = {chase:.3g}: {slope_chase:.4g}"],
        ["3. the same at horizon 0 (worst case)", "as row 2 with k = `approval_chasing`",
         f"k = {chase0:.3g}: {slope_chase0:.4g}"],
        ["4. benefit target per unit realised economy+society",
         "`benefit_gain` x (1 + `communication_gain` x (1 - exp(-3 `public_communication`)))",
         f"{bg:g} x (1 + {cg:g} x {effect:.3f}) = {mult:.4g}"],
        ["5. long-run trust per unit benefit target",
         "`kappa_benefit` / (`kappa_benefit` + mean `kappa_contact` + `kappa_grievance` x mean baseline grievance)",
         f"{kb:g} / ({kb:g} + {kx:.4g} + {kg:g} x {gbar:.3f}) = {ratio:.4g}"],
        ["**loop gain**, offers inside the win-set", "row 1 x row 4 x row 5", f"**{gain:.4f}**"],
        ["**loop gain**, worst case", "max(rows 1-3) x row 4 x row 5", f"**{gain_chase:.4f}**"],
        ["bound with the kappa ratio at 1", "max(rows 1-3) x row 4", f"{bound:.4f}"],
        ["reciprocity loop between the two offers", "1/4 x `government.reciprocity`", f"{recip:.4f}"],
    ]
    ok = max(gain_chase, bound, recip) < 1
    lines = ["## Feedback-loop gain at the current defaults", "",
             "Computed by this script from the defaults above (derivation in docs/ODD.md, "
             "\"Feedback loops\"). `public_communication` is the largest and `horizon` the smallest value "
             f"among the presets ({comm:g} and {horizon:g}).", ""]
    lines += table(["step", "formula", "value"], rows)
    lines += [f"All gains below 1: **{'yes' if ok else 'NO'}**" + ("" if ok else " (check the defaults!)"), ""]
    assert math.isfinite(gain)
    return lines


def render() -> str:
    lines = ["# Parameters", "",
             "<!-- Generated by docs/make_params_doc.py from sim/params.py. Do not edit by hand: "
             "change sim/params.py and rerun `.venv/bin/python docs/make_params_doc.py`. -->", "",
             "Every model parameter with its default, allowed range and meaning, generated from "
             "`sim/params.py` (the single source of defaults; scenario validation reads the same table). "
             "A scenario file states only what differs from these defaults: see "
             "[scenarios.md](scenarios.md); the model itself is described in [ODD.md](ODD.md). "
             "A dotted path is what you write in `--set PATH=VALUE` or "
             "`load_scenario(path, **{\"PATH\": value})`.", "",
             "Contents: [top-level](#top-level-fields) · "
             + " · ".join(f"[{k}](#{k.replace('.', '').lower()})" for k in
                          [f"population.{c}" for c in sp.COUNTRIES]
                          + [k for k, v in sp.PARAMS.items() if isinstance(v, dict) and v and k != "population"])
             + " · [levers](#strategy-levers) · [presets](#presets-what-differs) · [shock kinds](#shock-kinds)"
             " · [list entries](#entries-of-list-sections) · [loop gain](#feedback-loop-gain-at-the-current-defaults)",
             "",
             "Fields: " + ", ".join(f"`{f}`" for f in sp.FIELDS) + ". Countries: "
             + ", ".join(f"`{c}`" for c in sp.COUNTRIES) + ". Issues: " + ", ".join(f"`{i}`" for i in sp.ISSUES)
             + ".", ""]
    lines += parameter_sections() + lever_sections() + shock_sections() + entry_sections() + loop_gain_section()
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/parameters.md is out of date")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run .venv/bin/python docs/make_params_doc.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
