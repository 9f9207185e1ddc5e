"""The errors this tool raises on purpose: each prints as one line that names where, what, what was given and
what is allowed. The CLI catches `SimError` in one place; anything else is a bug (shown with `--debug`).

    SimError
    ├── InputError          bad input: a file, a field, an option (ScenarioError is one)
    │   └── LimitError      input that would exceed a resource limit (overridable)
    ├── ResultsError        a results directory that cannot be used as asked
    └── LockError           another batch holds a results directory

Errors found inside one value before its file and line are known (a ValueError each; the loaders of
sim.config turn them into a ScenarioError naming file, line and field):

    StrategyError           an unknown strategy or a malformed strategy spec
    RuleError               a rule of a rule-based strategy that cannot be used
    StateError              a saved state that cannot warm-start a scenario
"""

from __future__ import annotations

from typing import Any

GIVEN_CHARS = 120  # a given value is shown up to this many characters


def show(value: Any, limit: int = GIVEN_CHARS) -> str:
    """repr of a value, shortened for one-line messages (control characters stay escaped)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 12] + f"...({len(text)} chars)"


def printable(text: str) -> str:
    """Text with control and other non-printable characters escaped (`\\x1f`), so a message stays one line."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class SimError(Exception):
    """An error of this tool with a one-line message: `where: path: problem; given X; allowed: Y`."""

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None, path: str = "",
                 given: Any = None, allowed: str = "", chain: tuple[tuple[str, int | None, str], ...] = ()) -> None:
        self.problem, self.file, self.line, self.path = problem, file, line, path
        self.given, self.allowed, self.chain = given, allowed, tuple(chain)
        self.others: list[SimError] = []  # further problems found in the same input (sim validate lists all)
        super().__init__(self.render())

    @property
    def where(self) -> str:
        """`file:line`, preceded by the files that lead to it: `child.yaml:2 extends parent.yaml:5`."""
        here = printable(self.file or "<input>") + (f":{self.line}" if self.line else "")
        links = [printable(f) + (f":{ln}" if ln else "") + f" {verb}" for f, ln, verb in self.chain]
        return " ".join([*links, here])

    def render(self) -> str:
        path = printable(self.path)
        msg = f"{self.where}: {path + ': ' if path else ''}{printable(self.problem)}"
        if self.given is not None:
            msg += f"; given {show(self.given)}"
        if self.allowed:
            msg += f"; allowed: {printable(self.allowed)}"
        return msg

    def led_from(self, *links: tuple[str, int | None, str]) -> SimError:
        """The same error seen from the files that lead to the one it names: links (file, line, verb), verb
        such as 'extends' or 'uses'."""
        self.chain = (*links, *self.chain)
        self.args = (self.render(),)
        return self


class InputError(SimError, ValueError):
    """Input that does not fit: a scenario or experiment file, an override, a command-line option."""


class InputWarning(UserWarning):
    """Input that runs but is probably not what was meant (e.g. a shock scheduled outside the run)."""


class LimitError(InputError):
    """Input whose estimated memory, time or size exceeds a documented limit (see sim.config.limits)."""


class ResultsError(SimError):
    """A results directory that cannot be used as asked (not one of ours, unreadable, unwritable)."""


class LockError(SimError):
    """Another live batch is writing into the results directory."""


class StrategyError(ValueError):
    """An unknown strategy name or malformed strategy spec; `path` is where inside the spec, if known."""

    def __init__(self, message: str, path: tuple = (), given: Any = None, allowed: str = "") -> None:
        super().__init__(message)
        self.path, self.given, self.allowed = tuple(path), given, allowed


class RuleError(ValueError):
    """A rule that cannot be used: `path` is the field inside the rule (e.g. ("when",)), `allowed` what is."""

    def __init__(self, problem: str, path: tuple = (), given: Any = None, allowed: str = "") -> None:
        self.problem, self.path, self.given, self.allowed = problem, tuple(path), given, allowed
        super().__init__(f"{'.'.join(map(str, path)) + ': ' if path else ''}{problem}"
                         + (f"; given {given!r}" if given is not None else "") + (f"; allowed: {allowed}" if allowed
                                                                                     else ""))


class StateError(ValueError):
    """A saved state that cannot warm-start this scenario."""
