"""The names of the model's categories and their integer codes, in one place.

Scenario files, the schema, the market, the kernels' callers and the outputs all use these:
no other module spells a strategy, an origin, a jurisdiction, a sector, a licence or an
offer slot. Codes are positions in the tuples, so an array of codes indexes them back.
"""

from __future__ import annotations

from typing import Final, Literal

# ---- strategies: what a lab publishes -------------------------------------------------------
CLOSED: Final = "closed"
HYBRID: Final = "hybrid"
OPEN: Final = "open"
#: in order of how much is published (closed < hybrid < open)
STRATEGIES = (CLOSED, HYBRID, OPEN)
Strategy = Literal["closed", "hybrid", "open"]
#: strategies that keep the frontier model closed (an API, perhaps smaller open models)
FRONTIER_CLOSED = (CLOSED, HYBRID)

# ---- release stances: a lab's public policy on publishing weights at the start -------------
#: a published frontier-safety framework that restricts weight release; a stated commitment
#: to open release; neither (docs/sources.md, "Labs' release stances")
FRAMEWORK: Final = "framework"
OPEN_COMMITMENT: Final = "open_commitment"
NO_STANCE: Final = "none"
STANCES = (FRAMEWORK, OPEN_COMMITMENT, NO_STANCE)
Stance = Literal["framework", "open_commitment", "none"]

# ---- origins and jurisdictions ----------------------------------------------------------------
ORIGINS = ("US", "CN", "EU", "other")
Origin = Literal["US", "CN", "EU", "other"]
ORIGIN_CODES = {name: i for i, name in enumerate(ORIGINS)}
JURISDICTIONS = ("EU", "US", "CN", "other")
Jurisdiction = Literal["EU", "US", "CN", "other"]
#: jurisdictions share the origins' codes, so that "an origin barred in a jurisdiction" is a
#: comparison of codes
JURISDICTION_CODES = ORIGIN_CODES

# ---- enterprise sectors and lab business models --------------------------------------------
SECTORS = ("government", "privacy", "general")
Sector = Literal["government", "privacy", "general"]
SECTOR_CODES = {name: i for i, name in enumerate(SECTORS)}
#: the classes of an enterprise's work (ODD section 7.6): capability first, quality that
#: customers see, cost first
WORKLOADS = ("complex", "customer", "commodity")
Workload = Literal["complex", "customer", "commodity"]
BUSINESS_MODELS: Final = ("api", "platform", "hardware", "cloud", "startup")
BusinessModel = Literal["api", "platform", "hardware", "cloud", "startup"]

# ---- licences of open weights, and the closed API's -----------------------------------------
LICENCES = ("permissive", "community", "research")
Licence = Literal["permissive", "community", "research"]
#: what a developer's licence fit is stated for: each open licence and the closed API
LICENCE_FITS = (*LICENCES, CLOSED)
LicenceFit = Literal["permissive", "community", "research", "closed"]
LICENCE_CODES = {name: i for i, name in enumerate(LICENCE_FITS)}

# ---- offer slots: three per lab -------------------------------------------------------------
SLOTS = 3
SLOT_API, SLOT_OPEN_FRONTIER, SLOT_OPEN_SMALL = 0, 1, 2
