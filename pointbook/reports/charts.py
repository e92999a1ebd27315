"""Charts of a report as PNG images (matplotlib, Agg backend, no display needed).

Chinese labels need a font that has the glyphs: every text element gets the shipped CJK font
(`core.pdf.FONT_PATH`) through FontProperties, so a fresh machine renders it the same as CI
(matplotlib's default DejaVu Sans would draw empty boxes)."""

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from core.pdf import FONT_PATH  # noqa: E402

BRAND, SECOND = "#b3261e", "#4a6fa5"
DPI = 150


@lru_cache(maxsize=1)
def font():
    return FontProperties(fname=str(FONT_PATH), size=9)


def _figure(width=7.0, height=3.2):
    # A Figure of its own (not pyplot): no global state shared between reports built in one worker.
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _style(ax, title, xlabel=None, ylabel=None):
    fp = font()
    ax.set_title(title, fontproperties=fp, fontsize=11)
    if xlabel:
        ax.set_xlabel(xlabel, fontproperties=fp)
    if ylabel:
        ax.set_ylabel(ylabel, fontproperties=fp)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontproperties(fp)
    ax.spines[["top", "right"]].set_visible(False)


def _png(fig):
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def period_chart(figures):
    """Points (bars) and verified hours (line) by month, or by day for a monthly digest."""
    frame = figures.by_period
    fig = _figure()
    ax = fig.add_subplot()
    x = [int(p) for p in frame[figures.period_column]]
    ax.bar(x, [float(v) for v in frame["points"]], color=BRAND, label=_("Points"))
    ax.set_xticks(x)
    hours_ax = ax.twinx()
    hours_ax.plot(
        x, [float(v) for v in frame["hours"]], color=SECOND, marker="o", markersize=3, label=_("Verified hours")
    )
    title = _("Points and hours by month") if figures.annual else _("Points and hours by day")
    _style(ax, title, xlabel=_("Month") if figures.annual else _("Day"), ylabel=_("Points"))
    _style(hours_ax, title, ylabel=_("Verified hours"))
    hours_ax.spines[["right"]].set_visible(True)
    handles = ax.get_legend_handles_labels()[0] + hours_ax.get_legend_handles_labels()[0]
    # Below the plot, outside it: inside, it sat over the first months' bars.
    fig.legend(handles=handles, prop=font(), loc="outside lower center", ncols=2, frameon=False)
    return _png(fig)


def bar_chart(labels, values, title, *, value_label, counts=False):
    """A horizontal bar chart, largest at the top."""
    pairs = sorted(zip([str(x) for x in labels], [float(v) for v in values], strict=True), key=lambda p: p[1])
    fig = _figure(height=max(1.6, 0.32 * len(pairs) + 0.9))
    ax = fig.add_subplot()
    if pairs:
        ax.barh([p[0] for p in pairs], [p[1] for p in pairs], color=BRAND)
    if counts:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _style(ax, title, xlabel=value_label)
    return _png(fig)


def report_charts(figures):
    """{name: PNG bytes} for the PDF."""
    charts = {"period": period_chart(figures)}
    frame = figures.by_service_type
    charts["service_type"] = bar_chart(
        frame["service_type"], frame["points"], _("Points by service type"), value_label=_("Points")
    )
    frame = figures.by_district
    charts["district"] = bar_chart(frame["district"], frame["points"], _("Points by district"), value_label=_("Points"))
    frame = figures.by_kind
    charts["kind"] = bar_chart(
        frame["kind"], frame["hours"], _("Verified hours by contributor kind"), value_label=_("Verified hours")
    )
    frame = figures.special_groups
    charts["special_groups"] = bar_chart(
        frame["group"], frame["records"], _("Special groups served"), value_label=_("Approved records"), counts=True
    )
    return charts
