"""Study scripts that call the package; each runs as `python experiments/NAME.py`."""
