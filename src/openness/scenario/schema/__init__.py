"""Pydantic schema of a scenario file: data only, every field with its unit and range.

Units used throughout: money in millions of US dollars ($M), prices in dollars per million
tokens ($/Mtok, blended 3:1 input:output), capability in log10 of effective training FLOPs
(the GPT-4 class is about 25.3), time in calendar months written "YYYY-MM".

One module per section of a scenario file: `world` (simulation, world, decision, business
models, funding), `actors` (labs, developer segments, enterprises), `events` (regulators and
their policies, events), `targets`, and `scenario` (the whole file); `base` holds the bounded
types. Everything is importable from here.
"""

from openness.scenario.schema.actors import *  # noqa: F403
from openness.scenario.schema.base import *  # noqa: F403
from openness.scenario.schema.base import _check_month, _check_name  # noqa: F401
from openness.scenario.schema.events import *  # noqa: F403
from openness.scenario.schema.scenario import *  # noqa: F403
from openness.scenario.schema.targets import *  # noqa: F403
from openness.scenario.schema.world import *  # noqa: F403
from openness.scenario.schema.world import _default_business_models  # noqa: F401
from openness.vocabulary import (  # noqa: F401  (the schema's category types)
    BUSINESS_MODELS,
    JURISDICTIONS,
    LICENCES,
    ORIGINS,
    SECTORS,
    STRATEGIES,
    BusinessModel,
    Jurisdiction,
    Licence,
    LicenceFit,
    Origin,
    Sector,
    Strategy,
)
