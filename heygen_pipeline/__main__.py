"""``python -m heygen_pipeline``: the same command line as ``heygen-pipeline``."""

from heygen_pipeline.cli import main

raise SystemExit(main())
