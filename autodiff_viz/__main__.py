"""``python -m autodiff_viz`` is the ``autodiff-viz`` command."""
from autodiff_viz.cli import main

raise SystemExit(main())
