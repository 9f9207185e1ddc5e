"""ROK-Japan relations under shocks: an agent-based scenario model (Mesa) comparing two-track and
linked-issue diplomacy. See README.md and docs/ODD.md."""

from .model import RelationsModel
from .runner import RunResult, RunSpec, run, run_many
from .scenario import Scenario, ScenarioError, from_dict, load_scenario
from .strategies import parse_strategy

__all__ = ["RelationsModel", "RunResult", "RunSpec", "Scenario", "ScenarioError", "from_dict",
           "load_scenario", "parse_strategy", "run", "run_many"]
