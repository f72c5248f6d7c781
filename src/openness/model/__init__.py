"""The Mesa model: Lab and Regulator agents, developer and enterprise array populations."""

from openness.model.agents import Lab, Regulator
from openness.model.market_model import OpennessModel

__all__ = ["Lab", "OpennessModel", "Regulator"]
