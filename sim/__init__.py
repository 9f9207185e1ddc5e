"""ROK-Japan relations under shocks: an agent-based scenario model (Mesa) comparing two-track and
linked-issue diplomacy. See README.md and docs/ODD.md."""

from .batch import run_experiment, run_many
from .compare import compare_strategies
from .errors import InputError, LimitError, LockError, ResultsError, SimError
from .experiment import load_experiment
from .model import RelationsModel
from .results import load_results
from .runner import RunResult, RunSpec, run
from .scenario import Scenario, ScenarioError, from_dict, load_scenario
from .strategies import parse_strategy

__all__ = ["InputError", "LimitError", "LockError", "RelationsModel", "ResultsError", "RunResult", "RunSpec",
           "Scenario", "ScenarioError", "SimError", "compare_strategies", "from_dict", "load_experiment",
           "load_results", "load_scenario", "parse_strategy", "run", "run_experiment", "run_many"]
