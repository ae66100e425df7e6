"""YAML loading for the runner-side code: the one place that picks a parser."""

from __future__ import annotations


def load_text(text: str):
    """YAML through whichever parser the job has: PyYAML, or ruamel.yaml that DVC brings."""
    try:
        import yaml  # PyYAML (absolute import: this module is kaizen.yaml)

        return yaml.safe_load(text)
    except ImportError:
        from ruamel.yaml import YAML

        return YAML(typ="safe").load(text)
