"""`python -m palmyra` runs the command line."""

from palmyra.cli import main

raise SystemExit(main())
