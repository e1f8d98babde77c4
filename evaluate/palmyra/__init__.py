"""palmyra-corpus: an annotated corpus of five news reports and a harness that scores extractors.

The package version is the dataset's version: the gold annotations, the schema and the
scorer change together, and a score's signature names the version it was computed with.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
