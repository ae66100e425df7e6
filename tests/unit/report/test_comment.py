from kaizen.report.comment import IMAGE, IMAGE_MARKER, MAX_COMMENT, fit_comment


def test_a_short_comment_is_left_as_it_is():
    assert fit_comment("## Report\n") == "## Report\n"


def test_a_long_comment_is_cut_at_a_line_without_leaving_a_chart_open():
    body = "## Report\n" + "| row |\n" * 8000 + "```mermaid\nxychart-beta\n" + "    bar [1]\n" * 4000 + "```\n"
    cut = fit_comment(body, "the artifact")
    assert len(cut) <= MAX_COMMENT
    assert cut.count("```") % 2 == 0
    assert cut.endswith("The whole of it is `report.md` in the artifact.\n")


def test_the_image_placeholder_is_what_report_images_finds():
    match = IMAGE.search(IMAGE_MARKER.format(who="head", path="plots/roc.png"))
    assert match and match["who"] == "head" and match["path"] == "plots/roc.png"
