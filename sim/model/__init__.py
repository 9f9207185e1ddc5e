"""The Mesa model (ODD §1–§7): RelationsModel (model), the government and citizen agents (agents), the citizens'
arrays (population) and their compiled loops (kernels), disputes, shocks, the monthly record and per-run outcomes
(outputs), the random streams (streams) and the rules of adaptive strategies at work (rulebook)."""

from sim.model.model import RelationsModel

__all__ = ["RelationsModel"]
