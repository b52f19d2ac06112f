"""The plan text markup: paragraphs, line breaks, nested bullets and sub-headings, with everything escaped."""

from django.template import Context, Template

from plans.templatetags.plan_text import render_plan_text

BULLETS = '<ul class="govuk-list govuk-list--bullet">'


def test_it_renders_nothing_for_no_text():
    assert render_plan_text("") == ""
    assert render_plan_text("\n\n  \n") == ""


def test_it_makes_a_paragraph_of_each_block():
    assert render_plan_text("First block.\n\nSecond block.") == (
        '<p class="govuk-body">First block.</p><p class="govuk-body">Second block.</p>'
    )


def test_it_treats_a_line_of_spaces_as_a_blank_line():
    assert render_plan_text("One.\n   \nTwo.").count("<p") == 2


def test_it_turns_a_single_newline_into_a_line_break():
    assert render_plan_text("Line one\nline two") == '<p class="govuk-body">Line one<br>line two</p>'


def test_it_reads_windows_line_endings():
    assert render_plan_text("One\r\n\r\nTwo\r\nthree") == (
        '<p class="govuk-body">One</p><p class="govuk-body">Two<br>three</p>'
    )


def test_it_makes_a_list_of_lines_starting_with_a_dash():
    assert render_plan_text("- Drug & Alcohol users\n- Ex-offenders") == (
        f"{BULLETS}<li>Drug &amp; Alcohol users</li><li>Ex-offenders</li></ul>"
    )


def test_it_nests_a_bullet_two_spaces_further_in_under_the_one_before():
    html = render_plan_text("- Details\n  - On-Flow\n  - Flow-time\n    - deeper\n- Next")

    assert html == (
        f"{BULLETS}<li>Details{BULLETS}<li>On-Flow</li><li>Flow-time{BULLETS}<li>deeper</li></ul></li></ul></li>"
        "<li>Next</li></ul>"
    )


def test_it_never_nests_deeper_than_one_level_below_the_bullet_before():
    assert render_plan_text("- Top\n      - too far in") == f"{BULLETS}<li>Top{BULLETS}<li>too far in</li></ul></li></ul>"
    assert render_plan_text("  - indented first") == f"{BULLETS}<li>indented first</li></ul>"


def test_it_needs_a_space_after_the_dash():
    assert render_plan_text("-5% on last year") == '<p class="govuk-body">-5% on last year</p>'


def test_it_keeps_text_and_bullets_of_one_block_apart():
    html = render_plan_text("As part of this we are:\n- Reviewing services\n- Redesigning\nWe anticipate a consultation")

    assert html == (
        '<p class="govuk-body">As part of this we are:</p>'
        f"{BULLETS}<li>Reviewing services</li><li>Redesigning</li></ul>"
        '<p class="govuk-body">We anticipate a consultation</p>'
    )


def test_it_makes_a_sub_heading_one_level_below_the_sections_heading():
    assert render_plan_text("### LAA Target information") == '<h3 class="govuk-heading-s">LAA Target information</h3>'
    assert render_plan_text("### Inside a subsection", 3).startswith("<h4 ")
    assert render_plan_text("### Deepest", 6).startswith("<h6 ")


def test_a_heading_line_ends_the_paragraph_before_it():
    assert render_plan_text("Intro\n### Heading\nText") == (
        '<p class="govuk-body">Intro</p><h3 class="govuk-heading-s">Heading</h3><p class="govuk-body">Text</p>'
    )


def test_it_escapes_markup_typed_into_a_plan():
    html = render_plan_text('<script>alert("x")</script>\n\n- <b>bold</b>\n\n### <i>heading</i>')

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<li>&lt;b&gt;bold&lt;/b&gt;</li>" in html
    assert "&lt;i&gt;heading&lt;/i&gt;</h3>" in html


def test_the_filter_takes_the_heading_level_and_is_safe_in_a_template():
    template = Template("{% load plan_text %}{{ body|plan_text:2 }}|{{ body|plan_text }}")

    output = template.render(Context({"body": "### Sub\n\n<em>text</em>"}))

    first, second = output.split("|")
    assert first.startswith('<h3 class="govuk-heading-s">Sub</h3>')
    assert "&lt;em&gt;text&lt;/em&gt;" in first
    assert first == second


def test_the_filter_renders_none_as_nothing():
    assert Template("{% load plan_text %}{{ body|plan_text }}").render(Context({"body": None})) == ""
