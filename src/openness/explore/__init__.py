"""The explorer: a Mesa `SolaraViz` page that steps a scenario month by month in the
browser, with controls built from the scenario's own events and policies, and a view of
saved results (`openness explore`; needs the `explore` extra).

`controls` and `live` need only the core package; `page` needs solara and Mesa's
visualisation; `server` starts solara's server on it.
"""

#: environment variables through which `openness explore` tells the page what to open
SCENARIO_ENV = "OPENNESS_EXPLORE_SCENARIO"
RESULTS_ENV = "OPENNESS_EXPLORE_RESULTS"
