"""Bad scenario input: every kind of mistake raises a ScenarioError that names the file, the line (when a
file is involved), the field's dotted path, what was given and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.config.scenario import ScenarioError, load_scenario


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    """Write a scenario file, one argument per line (so the line numbers are visible in the test)."""
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def load_error(path: Path, **overrides: Any) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **overrides)
    return info.value


def check(err: ScenarioError, *, file: Path, line: int | None, path: str, given: Any = None,
          allowed: tuple[str, ...] = ()) -> str:
    """Assert the error's attributes and that its message states each of them; returns the message."""
    msg = str(err)
    assert Path(err.file).name == file.name and file.name in msg
    assert err.line == line
    if line is not None:
        assert f"{file.name}:{line}:" in msg
    assert err.path == path
    if path:
        assert f": {path}: " in msg
    if given is not None:
        assert err.given == given
        assert f"given {given!r}" in msg
    for text in allowed:
        assert text in err.allowed and text in msg
    if allowed:
        assert "allowed: " in msg
    return msg


def test_unknown_top_level_field_suggests_close_match(tmp_path, pinned):
    f = write(tmp_path, "top.yaml",
              f"extends: {pinned}",
              "name: top",
              "citizen:",
              "  noise: 0.1")
    msg = check(load_error(f), file=f, line=3, path="citizen", given="citizen",
                allowed=("citizens", "disputes", "random_shocks"))
    assert "unknown field" in msg
    assert "did you mean 'citizens'?" in msg


def test_unknown_nested_field_suggests_close_match(tmp_path, pinned):
    f = write(tmp_path, "nested.yaml",
              f"extends: {pinned}",
              "citizens:",
              "  noise: 0.1",
              "  kapa_social: 0.1")
    msg = check(load_error(f), file=f, line=4, path="citizens.kapa_social", given="kapa_social",
                allowed=("kappa_social", "noise"))
    assert "did you mean 'kappa_social'?" in msg


def test_wrong_type_string_for_number(tmp_path, pinned):
    f = write(tmp_path, "type.yaml",
              f"extends: {pinned}",
              "citizens:",
              "  noise: high")
    msg = check(load_error(f), file=f, line=3, path="citizens.noise", given="high", allowed=("a number",))
    assert "wrong type" in msg
    assert "[0.0, 0.5]" in msg


def test_wrong_type_float_for_integer(tmp_path, pinned):
    f = write(tmp_path, "int.yaml",
              f"extends: {pinned}",
              "horizon: 12.5")
    msg = check(load_error(f), file=f, line=2, path="horizon", given=12.5, allowed=("an integer",))
    assert "wrong type" in msg


def test_out_of_range_value(tmp_path, pinned):
    f = write(tmp_path, "range.yaml",
              f"extends: {pinned}",
              "disputes:",
              "  fade: 0.02",
              "  deterrence: 12")
    msg = check(load_error(f), file=f, line=4, path="disputes.deterrence", given=12,
                allowed=("[0.0, 10.0]",))
    assert "out of range" in msg


def test_out_of_range_in_list_entry(tmp_path, pinned):
    f = write(tmp_path, "entry_range.yaml",
              f"extends: {pinned}",
              "random_shocks:",
              "  - {kind: summit, rate: 1.5, actor: both}")
    check(load_error(f), file=f, line=3, path="random_shocks.0.rate", given=1.5, allowed=("[0.0, 1.0]",))


def test_unknown_shock_kind(tmp_path, pinned):
    f = write(tmp_path, "kind.yaml",
              f"extends: {pinned}",
              "shocks:",
              "  - {kind: summit, month: 2, actor: both}",
              "  - {kind: meteor, month: 3}")
    msg = check(load_error(f), file=f, line=4, path="shocks.1.kind", given="meteor",
                allowed=("court_ruling", "pandemic", "culture_wave"))
    assert "not an allowed value" in msg


def test_endogenous_kind_not_allowed_as_random_shock(tmp_path, pinned):
    f = write(tmp_path, "random_kind.yaml",
              f"extends: {pinned}",
              "random_shocks:",
              "  - {kind: provocation, rate: 0.1, actor: KR}")
    err = load_error(f)
    check(err, file=f, line=3, path="random_shocks.0.kind", given="provocation", allowed=("court_ruling",))
    assert "provocation" not in err.allowed.split(", ")


def test_unknown_strategy(tmp_path, pinned):
    f = write(tmp_path, "strategy.yaml",
              f"extends: {pinned}",
              "name: s",
              "strategy: twotrack")
    msg = check(load_error(f), file=f, line=3, path="strategy", given="twotrack",
                allowed=("two_track", "linked", "package_deal"))
    assert "unknown strategy" in msg


def test_unknown_strategy_in_changes(tmp_path, pinned):
    f = write(tmp_path, "changes.yaml",
              f"extends: {pinned}",
              "strategies:",
              "  mine: {extends: linked, dialogue: 0.1}",
              "changes:",
              "  - month: 5",
              "    country: JP",
              "    strategy: bogus")
    msg = check(load_error(f), file=f, line=7, path="changes.0.strategy", given="bogus",
                allowed=("two_track", "linked", "mine"))
    assert "unknown strategy" in msg


def test_missing_required_kind_in_shock(tmp_path, pinned):
    f = write(tmp_path, "missing.yaml",
              f"extends: {pinned}",
              "shocks:",
              "  - month: 3",
              "    magnitude: 0.4")
    err = load_error(f)
    msg = check(err, file=f, line=3, path="shocks.0", allowed=("summit", "court_ruling"))
    assert "missing required field `kind`" in msg


def test_independent_problems_are_all_reported_in_file_order(tmp_path, pinned):
    f = write(tmp_path, "several.yaml",
              f"extends: {pinned}",
              "name: several",
              "citizens:",
              "  noise: 7",
              "horizn: 30",
              "strategies:",
              "  mine:",
              "    extends: linked",
              "    dialog: 0.1",
              "shocks:",
              "  - kind: summit",
              "    magnitude: 0.4")
    err = load_error(f)
    assert len(err.others) == 3
    noise, horizon, lever, shock = [err, *err.others]
    msg = check(noise, file=f, line=4, path="citizens.noise", given=7, allowed=("[0.0, 0.5]",))
    assert "out of range" in msg
    msg = check(horizon, file=f, line=5, path="horizn", given="horizn", allowed=("horizon",))
    assert "unknown field (did you mean 'horizon'?)" in msg
    msg = check(lever, file=f, line=9, path="strategies.mine.dialog", given="dialog", allowed=("dialogue",))
    assert "unknown field (did you mean 'dialogue'?)" in msg
    msg = check(shock, file=f, line=11, path="shocks.0", allowed=("[-100000, 100000]",))
    assert "missing required field `month`" in msg


def test_missing_extends_file(tmp_path):
    f = write(tmp_path, "orphan.yaml",
              "name: orphan",
              "extends: nothere.yaml")
    msg = check(load_error(f), file=f, line=2, path="extends", given="nothere.yaml",
                allowed=("existing scenario file",))
    assert "does not exist" in msg


def _circular(tmp_path: Path) -> tuple[Path, Path, ScenarioError]:
    a = write(tmp_path, "a.yaml",
              "extends: b.yaml")
    b = write(tmp_path, "b.yaml",
              "name: b",
              "extends: a.yaml")
    return a, b, load_error(a)


def test_circular_extends(tmp_path):
    _, b, err = _circular(tmp_path)
    msg = str(err)
    assert Path(err.file).name == "b.yaml" and "b.yaml:2:" in msg
    assert err.line == 2 and err.path == "extends" and err.given == "a.yaml"
    assert "circular `extends`" in msg
    assert "a.yaml -> b.yaml -> a.yaml" in msg


def test_circular_extends_says_what_is_allowed(tmp_path):
    _, _, err = _circular(tmp_path)
    assert err.allowed and "allowed: " in str(err)


def test_python_tag_is_rejected_by_safe_loading(tmp_path, pinned):
    marker = tmp_path / "executed"
    f = write(tmp_path, "tag.yaml",
              f"extends: {pinned}",
              f'name: !!python/object/apply:os.system ["touch {marker}"]')
    err = load_error(f)
    msg = str(err)
    assert not marker.exists()  # nothing was executed
    assert Path(err.file).name == "tag.yaml" and err.line == 2 and "tag.yaml:2:" in msg
    assert "not valid YAML" in msg and "python/object/apply:os.system" in msg
    assert "no tags" in err.allowed and "allowed: " in msg
    assert "Traceback" not in msg


def test_invalid_yaml_syntax(tmp_path, pinned):
    f = write(tmp_path, "syntax.yaml",
              f"extends: {pinned}",
              "citizens:",
              "  noise: 0.1: 0.2")
    err = load_error(f)
    msg = str(err)
    assert Path(err.file).name == "syntax.yaml" and err.line == 3 and "syntax.yaml:3:" in msg
    assert "not valid YAML" in msg and "mapping values are not allowed" in msg
    assert "allowed: " in msg


def test_top_level_must_be_a_mapping(tmp_path):
    f = write(tmp_path, "list.yaml",
              "- horizon: 12")
    msg = check(load_error(f), file=f, line=1, path="", given="list")
    assert "the top level must be a mapping" in msg


def test_odd_network_k(tmp_path, pinned):
    f = write(tmp_path, "odd.yaml",
              f"extends: {pinned}",
              "citizens:",
              "  network_k: 5")
    msg = check(load_error(f), file=f, line=3, path="citizens.network_k", given=5, allowed=("even",))
    assert "must be even" in msg


@pytest.mark.parametrize("bad", [0.6, 0.7])
def test_bad_threshold_not_below_good_threshold(tmp_path, pinned, bad):
    f = write(tmp_path, "thresholds.yaml",
              f"extends: {pinned}",
              "citizens:",
              "  good_threshold: 0.6",
              f"  bad_threshold: {bad}")
    msg = check(load_error(f), file=f, line=4, path="citizens.bad_threshold", given=bad, allowed=("< 0.6",))
    assert "below good_threshold" in msg


def test_error_in_parent_file_names_the_parent(tmp_path, pinned):
    parent = write(tmp_path, "parent.yaml",
                   f"extends: {pinned}",
                   "environment:",
                   "  tension_init: 1.5")
    child = write(tmp_path, "child.yaml",
                  "extends: parent.yaml",
                  "name: child")
    check(load_error(child), file=parent, line=3, path="environment.tension_init", given=1.5,
          allowed=("[0.0, 1.0]",))


# ---- overrides ---------------------------------------------------------------------------------
def check_override(err: ScenarioError, path: str, given: Any, allowed: str) -> str:
    msg = str(err)
    assert err.file == "<override>" and msg.startswith("<override>: ")
    assert err.line is None
    assert err.path == path and f": {path}: " in msg
    assert err.given == given and f"given {given!r}" in msg
    assert allowed in err.allowed and "allowed: " in msg
    return msg


def test_override_out_of_range_dotted(pinned):
    msg = check_override(load_error(pinned, **{"disputes.deterrence": -1}), "disputes.deterrence", -1,
                         "[0.0, 10.0]")
    assert "out of range" in msg


def test_override_out_of_range_double_underscore(pinned):
    msg = check_override(load_error(pinned, disputes__deterrence=11), "disputes.deterrence", 11, "[0.0, 10.0]")
    assert "out of range" in msg


def test_override_wrong_type(pinned):
    msg = check_override(load_error(pinned, citizens__noise="loud"), "citizens.noise", "loud", "a number")
    assert "wrong type" in msg


def test_override_unknown_key(pinned):
    msg = check_override(load_error(pinned, **{"disputes.deterence": 1.0}), "disputes.deterence", "deterence",
                         "deterrence")
    assert "unknown field (did you mean 'deterrence'?)" in msg


def test_override_unknown_section(pinned):
    msg = check_override(load_error(pinned, citizen__noise=0.1), "citizen", "citizen", "citizens")
    assert "did you mean 'citizens'?" in msg


def test_override_dict_argument(pinned):
    with pytest.raises(ScenarioError) as info:
        load_scenario(pinned, {"outputs.poll_size": 5})
    check_override(info.value, "outputs.poll_size", 5, "[10, 1000000]")


def test_valid_override_applies(pinned):
    scen = load_scenario(pinned, disputes__deterrence=0.0, **{"citizens.noise": 0.1})
    assert scen.get("disputes.deterrence") == 0.0 and scen.get("citizens.noise") == 0.1
    assert scen.content_hash != load_scenario(pinned).content_hash
