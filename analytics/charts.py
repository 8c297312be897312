"""Geometry for the dashboard's inline SVG charts, computed on the server (no JavaScript).

Each function returns plain numbers for the template to draw; none divides by a zero maximum,
so an empty data set draws an empty frame (the template then says there is no data).
"""

from dataclasses import dataclass

WIDTH = 600
HEIGHT = 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 8, 8, 22, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    series: int = 0


def _scale(values: list[int]) -> tuple[float, float]:
    """(baseline y, pixels per unit) for values that may include negatives (refund-heavy months)."""
    top, bottom = max([0, *values]), min([0, *values])
    span = top - bottom
    plot = HEIGHT - PAD_TOP - PAD_BOTTOM
    if span == 0:
        return HEIGHT - PAD_BOTTOM, 0.0
    per_unit = plot / span
    return PAD_TOP + top * per_unit, per_unit


def bar_chart(labels: list[str], *series: list[int]) -> dict:
    """Vertical bars, one group per label and one bar per series in the group."""
    values = [v for s in series for v in s]
    baseline, per_unit = _scale(values)
    groups = max(len(labels), 1)
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / groups
    bar_width = slot * 0.7 / max(len(series), 1)
    bars, ticks = [], []
    for i, label in enumerate(labels):
        left = PAD_LEFT + i * slot + slot * 0.15
        ticks.append({"x": round(PAD_LEFT + (i + 0.5) * slot, 1), "label": label})
        for k, values_k in enumerate(series):
            value = values_k[i]
            height = abs(value) * per_unit
            y = baseline - height if value >= 0 else baseline
            bars.append(
                Bar(
                    x=round(left + k * bar_width, 1),
                    y=round(y, 1),
                    width=round(bar_width - 2, 1),
                    height=round(height, 1),
                    label=label,
                    value=value,
                    series=k,
                )
            )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": round(baseline, 1),
        "bars": bars,
        "ticks": ticks,
        "tick_y": HEIGHT - 10,
        "empty": not any(values),
    }


def share_bars(rows: list[dict]) -> dict:
    """Horizontal bars whose lengths are the platforms' shares (0..1) of the revenue."""
    row_height, gap, label_width = 34, 10, 130
    usable = WIDTH - label_width - 100
    items = []
    for i, row in enumerate(rows):
        y = i * (row_height + gap)
        items.append(
            {
                "y": y,
                "text_y": y + row_height * 0.68,
                "width": round(max(row["share"], 0) * usable, 1),
                "label_width": label_width,
                "value_x": round(label_width + max(row["share"], 0) * usable + 6, 1),
                **row,
            }
        )
    return {
        "width": WIDTH,
        "height": max(len(rows) * (row_height + gap), row_height),
        "rows": items,
        "row_height": row_height,
        "empty": not rows,
    }
