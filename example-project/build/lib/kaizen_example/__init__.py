"""A small but real scikit-learn classifier, trained and evaluated by a DVC pipeline."""

__version__ = "0.1.0"
