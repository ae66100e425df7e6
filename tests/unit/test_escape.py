from kaizen.escape import md_code, md_text, mermaid_text


def test_md_text_keeps_a_table_cell_one_cell_and_no_html():
    assert md_text("a|b\n<img src=x onerror=alert(1)>") == "a\\|b &lt;img src=x onerror=alert(1)&gt;"


def test_md_code_cannot_be_closed_by_a_backtick_inside():
    assert md_code("train") == "`train`"
    assert md_code("a`b|c\nd") == "`` a`b\\|c d ``"


def test_mermaid_text_drops_what_ends_a_label_and_cuts_to_the_limit():
    assert mermaid_text('a"b`c\nd%{e}<f>;#g') == "a b c d  e  f   g"
    assert mermaid_text("x" * 100, limit=40) == "x" * 40
