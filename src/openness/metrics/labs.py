"""The lab table's metrics: one row per lab a month."""

from __future__ import annotations

from openness.metrics.catalogue import _table

LABS = _table(
    "labs",
    [
        ("month", "", "Month", "calendar month (first day)", ""),
        ("lab", "", "Lab", "lab name", ""),
        ("strategy", "", "Strategy", "strategy in force (closed, hybrid, open)", ""),
        (
            "announced",
            "",
            "Announced strategy",
            "strategy announced and not yet in force ('' if none)",
            "",
        ),
        (
            "capability",
            "log10 FLOP",
            "Knowledge stock",
            "knowledge stock (log10 effective FLOP)",
            "",
        ),
        (
            "released_capability",
            "log10 FLOP",
            "Latest release",
            "capability of its latest release",
            "",
        ),
        (
            "open_capability",
            "log10 FLOP",
            "Best open weights",
            "capability of its best open weights, frontier or smaller (NaN if none)",
            "the lab has no open weights on offer",
        ),
        (
            "lag_months",
            "months",
            "Lag of the latest release",
            "capability lag of its latest release behind the closed frontier",
            "there is no closed frontier to lag behind",
        ),
        (
            "frontier_open",
            "",
            "Frontier-class open weights",
            "its best open weights are frontier-class (see n_frontier_open)",
            "",
        ),
        (
            "price",
            "$/Mtok",
            "API price",
            "price of its closed API ($/Mtok, NaN if it has none)",
            "the lab has no closed API",
        ),
        (
            "serving_cost",
            "$/Mtok",
            "Serving cost",
            "cost of serving its latest release ($/Mtok)",
            "",
        ),
        ("capital", "$M", "Capital", "capital at the end of the month ($M)", ""),
        (
            "runway",
            "months, capped at 120",
            "Runway",
            "months of capital at this month's net burn (capped at 120)",
            "",
        ),
        ("revenue", "$M/month", "Revenue", "revenue this month ($M)", ""),
        ("costs", "$M/month", "Costs", "costs this month ($M)", ""),
        (
            "funding",
            "$M/month",
            "Funding",
            "funding received this month: parent, grants, venture rounds ($M)",
            "",
        ),
        (
            "developer_share",
            "share",
            "Share of adopting developers",
            "share of adopting developers building on its family",
            "",
        ),
        (
            "developer_token_share",
            "share",
            "Share of developers' tokens",
            "share of developers' tokens on its family",
            "",
        ),
        (
            "release_trial_share",
            "share",
            "Developers who tried its latest release",
            "share of adopting developers who have tried its most tried recent release since "
            "it came out (in the trial window after a release)",
            "it has released nothing within the trial window (world.trial_window_months)",
        ),
        (
            "enterprise_token_share",
            "share",
            "Share of enterprise tokens",
            "share of enterprise tokens on its models",
            "",
        ),
        ("insolvent", "", "Insolvent", "capital exhausted: it neither trains nor releases", ""),
    ],
    types={
        "month": "date",
        "lab": "string",
        "strategy": "string",
        "announced": "string",
        "frontier_open": "bool",
        "insolvent": "bool",
    },
)
