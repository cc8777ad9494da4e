"""The ranked metrics are the enterprise Metric (defined once) followed by the investments."""

from django.utils import translation

from enterprises.choices import Metric
from hengkou.choices import RankedMetric


def test_ranked_metrics_take_each_metric_and_its_label_from_metric():
    for metric in Metric:
        ranked = RankedMetric(metric.value)
        assert ranked.name == metric.name
        assert ranked.label is metric.label


def test_ranked_metrics_stored_values_and_order_are_unchanged():
    assert RankedMetric.values == [
        "output_value",
        "value_added",
        "revenue",
        "profit",
        "tax",
        "employees",
        "wages",
        "electricity",
        "investment",
        "tech_investment",
    ]
    with translation.override("en"):
        assert RankedMetric.INVESTMENT.label == "Industrial investment"
        assert RankedMetric.TECH_INVESTMENT.label == "Tech-renovation investment"
    assert RankedMetric.__module__ == "hengkou.choices"
