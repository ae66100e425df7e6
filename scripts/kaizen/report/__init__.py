"""The model report of a pull request or push: Markdown for the step summary and the comment
(the same text), and a results.json for later steps and for the fork poster.

- `schema`: what a report holds (ReportInput) and the one table of results.json's fields,
  which writes the file and re-makes a report from it, checking every field;
- `markdown`: the report's Markdown; `charts`: its Mermaid charts; `blocks`: one Markdown
  block per DVC plot (curve, scatter, confusion, bar, image);
- `comment`: the sticky comment's marker and GitHub's size limit, all the posters need.
"""
