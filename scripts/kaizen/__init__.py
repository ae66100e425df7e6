"""Kaizen: the code behind Kaizen's reusable workflows and composite actions.

The composite actions run it straight from the action's checkout
(`PYTHONPATH=<action>/../../scripts python3 -m kaizen ...`), so it depends on the
standard library only and runs on any runner Python from 3.9 on.
"""

__version__ = "0.1.0"
