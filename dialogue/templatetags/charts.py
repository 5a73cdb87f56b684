"""``{{ chart|drawn }}``: a ``dialogue.charts.BarChart`` as inline SVG, laid out for the active
language's direction."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language_bidi

from dialogue.charts import BarChart, render_bar_chart

register = template.Library()


@register.filter
def drawn(chart: BarChart) -> SafeString:
    return render_bar_chart(chart, right_to_left=get_language_bidi())
