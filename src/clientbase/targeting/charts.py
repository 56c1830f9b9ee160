"""Targeted against spontaneous, per channel, as a Vega-Lite chart (altair): conversion rate, cost to win
a customer and what a customer won brings in its first 12 months after that cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: (document key, title, axis format) of each panel
PANELS = (
    ("conversion_rate", "conversion rate", "%"),
    ("cost_per_acquired", "cost to win a customer", ",.0f"),
    ("net_first12_per_acquired", "12-month net contribution per customer won, after the cost", ",.0f"),
)


def chart_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per channel, mode and panel from an acquisition document's ``targeted_vs_spontaneous``.

    Example:
        >>> row = {"conversion_rate": 0.5, "cost_per_acquired": 10, "net_first12_per_acquired": None}
        >>> doc = {"targeted_vs_spontaneous": [{"channel": "fair", "targeted": row, "spontaneous": None}]}
        >>> [(r["channel"], r["measure"], r["value"]) for r in chart_rows(doc)]
        [('fair', 'conversion rate', 0.5), ('fair', 'cost to win a customer', 10.0)]
    """
    rows = []
    for pair in document["targeted_vs_spontaneous"]:
        for mode in ("targeted", "spontaneous"):
            figures = pair[mode]
            if figures is None:
                continue
            for key, title, _ in PANELS:
                if figures[key] is not None:
                    rows.append(
                        {
                            "channel": pair["channel"],
                            "mode": mode,
                            "measure": title,
                            "value": float(figures[key]),
                        }
                    )
    return rows


def acquisition_chart(document: dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec (a dict) of the side-by-side chart of an acquisition document."""
    import altair as alt

    currency = document["currency"]
    rows = chart_rows(document)
    panels = []
    for _, title, fmt in PANELS:
        data = alt.Data(values=[r for r in rows if r["measure"] == title])
        axis_title = "share of the prospects" if fmt == "%" else currency
        panels.append(
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X("channel:N", title=None),
                xOffset=alt.XOffset("mode:N"),
                y=alt.Y("value:Q", title=axis_title, axis=alt.Axis(format=fmt)),
                color=alt.Color("mode:N", title="mode", scale=alt.Scale(domain=["targeted", "spontaneous"])),
                tooltip=["channel:N", "mode:N", alt.Tooltip("value:Q", format=fmt)],
            )
            .properties(width=260, height=220, title=title)
        )
    chart = alt.hconcat(*panels).properties(
        title=f"Targeted against spontaneous acquisition, per channel (as of {document['as_of']})"
    )
    return dict(chart.to_dict())


def write_chart(spec: dict[str, Any], path: str | Path) -> Path:
    """Write ``spec`` as a self-contained HTML page (the Vega JavaScript inlined, no network), SVG or PNG,
    by the file's suffix."""
    import altair as alt

    target = Path(path)
    chart = alt.Chart.from_dict(spec) if "hconcat" not in spec else alt.HConcatChart.from_dict(spec)
    suffix = target.suffix.lower()
    if suffix not in (".html", ".svg", ".png"):
        from clientbase.errors import ConfigurationError

        raise ConfigurationError(f"--chart {target}: give a file ending in .html, .svg or .png")
    chart.save(str(target), inline=True) if suffix == ".html" else chart.save(str(target))
    return target
