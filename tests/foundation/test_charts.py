"""The one kind of chart (portal/charts.py, templates/_charts.html): bars laid out, figures
written by Babel in the reader's locale, labels never cut mid-word, series told apart."""
from flask import render_template_string

from portal import charts


def test_counts_are_scaled_to_the_largest_and_written_by_the_locale(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        chart = charts.counts([("Afrique", 1234), ("Asie", 617), ("Europe", 0)])
    widths = [b.segments[0].width for b in chart.bars]
    assert widths == [charts.BAR_W, charts.BAR_W / 2, 0]
    assert [b.figure for b in chart.bars] == ["1\u202f234", "617", "0"]
    assert chart.bars[0].segments[0].title == "Afrique: 1\u202f234"
    assert [b.y for b in chart.bars] == [0, charts.ROW, 2 * charts.ROW]
    assert chart.height == 3 * charts.ROW and not chart.track and not chart.legend
    assert chart.width >= charts.BAR_W + 6 + charts.CHAR_W * len("1\u202f234")
    wide = charts.counts([("Information and communication technology", 1)])
    assert wide.width == charts.CHAR_W * len("Information and communication technology")


def test_a_long_label_is_cut_between_words_and_given_whole_in_the_title(app):
    name = "Congo (République démocratique du) · Réduction des risques de catastrophe"
    with app.test_request_context():
        bar = charts.counts([(name, 3)]).bars[0]
    assert len(bar.label) <= charts.LABEL_CHARS and bar.label.endswith(" …")
    assert name.startswith(bar.label[:-2]) and name[len(bar.label) - 2] == " "
    assert bar.segments[0].title == name + ": 3"


def test_shares_stand_on_a_track_with_the_share_and_the_counts(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        chart = charts.shares([("Sénégal", 5, 12), ("Kenya", 0, 0)])
    senegal, kenya = chart.bars
    assert chart.track == charts.BAR_W
    assert senegal.figure == "42\u00a0% (5/12)"
    assert senegal.segments[0].width == round(charts.BAR_W * 5 / 12, 1)
    assert kenya.figure == "0\u00a0% (0/0)" and kenya.segments[0].width == 0


def test_stacked_bars_split_the_track_by_series_with_a_legend(app):
    with app.test_request_context():
        chart = charts.stacked([("All", [2, 0, 1, 1]), ("Bolivia", [0, 0, 0, 0])],
                               ["Done", "In progress", "Not started", "Dropped"],
                               "no report yet")
    everyone, bolivia = chart.bars
    assert chart.legend == ("Done", "In progress", "Not started", "Dropped")
    assert everyone.y == chart.top == 4 * charts.LEGEND_ROW + 8
    half, quarter = charts.BAR_W / 2, charts.BAR_W / 4
    assert [(s.series, s.x, s.width) for s in everyone.segments] == [
        (0, 0, half), (2, half, quarter), (3, half + quarter, quarter)]  # none for nothing
    assert everyone.segments[2].title == "All: Dropped 25% (1)" and everyone.figure == ""
    assert bolivia.segments == () and bolivia.figure == "no report yet"


def test_the_drawing_names_the_image_and_keeps_two_charts_apart(app):
    page = ('{% from "_charts.html" import bar_chart %}'
            '{{ bar_chart(a, "first", "Title <1>", "Desc") }}'
            '{{ bar_chart(b, "second", "T", "D") }}')
    with app.test_request_context():
        a = charts.stacked([("<b>x</b>", [1, 1])], ["Done", "In progress"], "none")
        html = render_template_string(page, a=a, b=charts.stacked([("y", [0, 1])],
                                                                  ["Done", "In progress"], "none"))
    assert '<svg role="img" aria-labelledby="first-title first-desc"' in html
    assert '<title id="first-title">Title &lt;1&gt;</title>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    # each chart's patterns have their own ids, and its bars point at its own
    assert html.count('<pattern id="first-hatch"') == 1 and 'fill="url(#second-hatch)"' in html
    assert 'id="second-hatch"' in html and html.count("<figure") == 2


def test_a_chart_of_nothing_is_an_empty_chart(app):
    with app.test_request_context():
        for chart in (charts.counts([]), charts.shares([]), charts.stacked([], [], "none")):
            assert chart.bars == () and chart.width > 0 and chart.height == charts.ROW + chart.top
