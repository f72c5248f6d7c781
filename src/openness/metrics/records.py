"""The record tables beside the metrics: the labs' decisions (one row per review and option)
and the scenario's dated events."""

from __future__ import annotations

from openness.metrics.catalogue import _table

_TERM = "discounted over the horizon (docs/ODD.md section 7.8)"

DECISIONS = _table(
    "decisions",
    [
        ("month", "", "Month", "calendar month of the review (first day)", ""),
        ("lab", "", "Lab", "the reviewing lab", ""),
        ("option", "", "Option", "the option valued (closed, hybrid, open)", ""),
        ("current", "", "Current", "the lab's strategy at the review", ""),
        ("api_margin", "$M", "API margin", f"price minus serving cost on its API, {_TERM}", ""),
        ("hosting", "$M", "Hosting", f"margin on serving its own open weights, {_TERM}", ""),
        (
            "complement",
            "$M",
            "Complement",
            f"cash its products or hardware earn from the market's state, {_TERM}",
            "",
        ),
        ("grants", "$M", "Grants", f"the cash part of open funding, {_TERM}", ""),
        ("regulatory", "$M", "Regulatory", f"minus compliance costs, {_TERM}", ""),
        (
            "market_access",
            "$M",
            "Market access",
            f"minus the margin lost to buyers barred to its origin, {_TERM}",
            "",
        ),
        ("safety", "$M", "Safety", f"minus the cost of publishing weights, {_TERM}", ""),
        ("costs", "$M", "Costs", f"minus training and operating spend, {_TERM}", ""),
        (
            "waiting",
            "$M",
            "Waiting",
            "minus the value of waiting one review before an irreversible release",
            "",
        ),
        ("total", "$M", "Value", "the sum of the terms: the option's value", ""),
        (
            "scale",
            "$M",
            "Scale",
            "the lab's discounted gross cash flow, which values are read against",
            "",
        ),
        (
            "utility",
            "",
            "Utility",
            "value over scale, plus the inertia for the current option",
            "",
        ),
        ("probability", "share", "Probability", "chance of choosing the option", ""),
        ("chosen", "", "Chosen", "the option the review drew", ""),
    ],
    types={
        "month": "date",
        "lab": "string",
        "option": "string",
        "current": "string",
        "chosen": "bool",
    },
)

#: the terms of an option's value, in the table's order
DECISION_TERMS = tuple(DECISIONS)[4:13]

EVENTS = _table(
    "events",
    [
        ("month", "", "Month", "the month it takes effect (first day)", ""),
        ("kind", "", "Kind", "the kind of event, or 'policy'", ""),
        ("name", "", "Name", "its name in the scenario file", ""),
        ("label", "", "Label", "what it is, in words", ""),
    ],
    types={"month": "date", "kind": "string", "name": "string", "label": "string"},
)
