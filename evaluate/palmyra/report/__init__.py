"""Renderings of scores: a terminal table (terminal.py) and the JSON contract (json.py)."""
