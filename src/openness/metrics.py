"""Every metric the model reports, defined once: name, table, unit, a label for figures and
reports, its meaning, and what a missing value means where one may occur.

The reporters compute these (`model/reporters.py`); the experiment spec, the validation
targets, the figures' axes and the docs read their names, labels and units from here. No
table holds an infinity, and only a metric with a `missing` meaning holds a missing value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    table: str  # "world" (one row a month) or "labs" (one row per lab a month)
    unit: str  # "" for dates, names, categories and flags
    label: str  # short, for axes and report tables
    meaning: str
    missing: str = ""  # what a missing value (NaN) means; "" if it never occurs

    @property
    def axis_label(self) -> str:
        """The label with its unit, for an axis."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _table(table: str, rows: list[tuple[str, str, str, str, str]]) -> dict[str, Metric]:
    return {
        name: Metric(name, table, unit, label, meaning, missing)
        for name, unit, label, meaning, missing in rows
    }


WORLD = _table(
    "world",
    [
        ("month", "", "Month", "calendar month (first day)", ""),
        (
            "dev_adoption",
            "share",
            "Developers who have adopted",
            "share of developers who have adopted any model",
            "",
        ),
        (
            "open_share_dev_count",
            "share",
            "Adopting developers on open weights",
            "share of adopting developers building on open weights",
            "",
        ),
        (
            "open_share_dev_tokens",
            "share",
            "Developers' tokens on open weights",
            "share of developers' tokens served by open weights",
            "",
        ),
        (
            "ent_adoption",
            "share",
            "Enterprises using AI",
            "share of enterprises routing any work to a model",
            "",
        ),
        (
            "ent_open_share_count",
            "share",
            "Enterprises on open weights only",
            "share of adopting enterprises running only open weights",
            "",
        ),
        (
            "ent_closed_share_count",
            "share",
            "Enterprises on closed APIs only",
            "share of adopting enterprises running only closed APIs",
            "",
        ),
        (
            "ent_hybrid_share_count",
            "share",
            "Hybrid enterprises",
            "share of adopting enterprises running both (hybrid)",
            "",
        ),
        (
            "ent_hybrid_share_dual",
            "share",
            "Hybrid share among dual-workload enterprises",
            "hybrid share among adopters with both complex and commodity work",
            "",
        ),
        (
            "ent_open_share_tokens",
            "share",
            "Enterprise tokens on open weights",
            "share of enterprise tokens served by open weights",
            "",
        ),
        (
            "n_frontier_open",
            "labs",
            "Labs with frontier-class open weights",
            "labs whose best open weights (frontier or smaller) lag the closed frontier by at most `world.frontier_class_months`",
            "",
        ),
        (
            "n_major_frontier_open",
            "families",
            "Major families with frontier-class open weights",
            "the same, among the eight major families of document 000",
            "",
        ),
        (
            "n_open_frontier_labs",
            "labs",
            "Open labs whose frontier is frontier-class",
            "labs on `open` among them: their frontier itself is open, not only a smaller model (frontier-grade open development, F4)",
            "",
        ),
        (
            "price_ratio",
            "ratio",
            "Closed / open price of the top models",
            "price of the most capable closed model / price of the most capable open one",
            "no closed model or no open model is on offer",
        ),
        (
            "top_closed_price",
            "$/Mtok",
            "Price of the top closed model",
            "price of the most capable closed model ($/Mtok)",
            "no closed model is on offer",
        ),
        (
            "top_open_price",
            "$/Mtok",
            "Price of the top open model",
            "price of the most capable open model on third-party hosts ($/Mtok)",
            "no open model is on offer",
        ),
        (
            "serving_cost_ratio",
            "ratio",
            "Closed / open serving cost of the top models",
            "serving cost of the most capable closed model / that of the most capable open one (price_ratio is this times the ratio of their price-to-cost markups)",
            "no closed model or no open model is on offer",
        ),
        (
            "going_rate",
            "$/Mtok",
            "Going rate of API tokens",
            "token-weighted mean price of the closed APIs ($/Mtok): what users weigh next month's prices against (world.reference_price)",
            "no closed API serves any tokens",
        ),
        (
            "open_lag_months",
            "months",
            "Lag of the best open model",
            "months since the closed frontier first reached the best open model",
            "no open model is on offer",
        ),
        (
            "frontier_capability",
            "log10 FLOP",
            "Closed frontier capability",
            "best released closed capability (log10 effective FLOP)",
            "no closed model has been released",
        ),
        (
            "best_open_capability",
            "log10 FLOP",
            "Best open capability",
            "best released open capability (log10 effective FLOP)",
            "no open model is on offer",
        ),
        (
            "hhi_developers",
            "index 0-1",
            "Concentration of developers (HHI)",
            "Herfindahl index of developer shares by family (0-1)",
            "",
        ),
        (
            "dev_lockin_hold",
            "share",
            "Would-be switches held by lock-in",
            "share of the family switches adopting developers would make if all reviewed at this month's offers that their fine-tuning investment prevents (C5): 1 - switches with lock-in / switches without",
            "",
        ),
        (
            "total_tokens_mtok",
            "Mtok/month",
            "Tokens served",
            "tokens served per month, both populations (millions, real scale)",
            "",
        ),
        (
            "capital_condition",
            "index",
            "Capital-market condition",
            "market-wide venture capital condition (1 = normal)",
            "",
        ),
        (
            "strategy_switches",
            "switches",
            "Strategy switches since the start",
            "strategy switches of all labs that have taken effect since the start",
            "",
        ),
        (
            "ent_open_share_tokens_eu_compliance",
            "share",
            "EU compliance-bound tokens on open weights",
            "share of the tokens of EU enterprises with compliance needs served by open weights (R1)",
            "",
        ),
        (
            "ent_us_open_share_tokens_us_government",
            "share",
            "US government tokens on US open weights",
            "share of the tokens of US government-sector enterprises served by open weights of US-origin labs (R2)",
            "",
        ),
        (
            "ent_open_share_tokens_residency",
            "share",
            "Residency-bound tokens on open weights",
            "share of the tokens of enterprises whose data must stay in-house served by open weights (E1, Q1)",
            "",
        ),
        (
            "ent_open_share_tokens_finetune",
            "share",
            "Fine-tuning enterprises' tokens on open weights",
            "the same for enterprises outside the EU whose only need is fine-tuning on private data (E1, Q2)",
            "",
        ),
        (
            "ent_open_share_tokens_compliance",
            "share",
            "Compliance-bound tokens on open weights",
            "the same for enterprises outside the EU whose only need is compliance features (E1, Q5)",
            "",
        ),
        (
            "ent_open_share_tokens_no_needs",
            "share",
            "Tokens on open weights, no special need",
            "the same for enterprises outside the EU with none of the three needs (the reference for E1)",
            "",
        ),
        (
            "ent_open_share_tokens_large",
            "share",
            "Largest quartile's tokens on open weights",
            "the same among those with no need, the top quartile by volume (E1, Q3: cost at scale)",
            "",
        ),
        (
            "ent_open_share_tokens_small",
            "share",
            "Smallest quartile's tokens on open weights",
            "the same among those with no need, the bottom quartile by volume",
            "",
        ),
        (
            "ent_open_share_tokens_complex",
            "share",
            "Complex work on open weights",
            "share of the complex work of enterprises with no need served by open weights (E1, Q4: maximum capability)",
            "",
        ),
        (
            "ent_open_share_tokens_commodity",
            "share",
            "Commodity work on open weights",
            "share of the commodity work of enterprises with no need served by open weights",
            "",
        ),
    ],
)

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
            "enterprise_token_share",
            "share",
            "Share of enterprise tokens",
            "share of enterprise tokens on its models",
            "",
        ),
        ("insolvent", "", "Insolvent", "capital exhausted: it neither trains nor releases", ""),
    ],
)

#: every table's catalogue, by table name
TABLES = {"world": WORLD, "labs": LABS}


def metric(name: str, table: str = "world") -> Metric:
    """The catalogue entry of a metric (KeyError naming the table if there is none)."""
    try:
        return TABLES[table][name]
    except KeyError:
        raise KeyError(f"no metric {name!r} in the {table} table") from None


def label(name: str, table: str = "world") -> str:
    """An axis label with its unit; the name itself for a column the catalogue lacks (a
    factor of an experiment, say)."""
    found = TABLES.get(table, {}).get(name)
    return found.axis_label if found else name


def missing_meanings(table: str) -> dict[str, str]:
    """Metric -> what a missing value means, for the metrics of a table that may have one."""
    return {m.name: m.missing for m in TABLES.get(table, {}).values() if m.missing}
