"""JSON Schemas of the data the tool writes.

``trace-v1.schema.json`` describes :meth:`Trace.to_dict` / ``--format json`` (schema
``autodiff_viz.trace``, version 1), which the HTML page embeds.

>>> s = trace_schema()
>>> s["properties"]["schema"], s["properties"]["version"]
({'const': 'autodiff_viz.trace'}, {'const': 1})
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

TRACE_SCHEMA_FILE = "trace-v1.schema.json"


def trace_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a trace's JSON, as a dict."""
    return json.loads(resources.files(__name__).joinpath(TRACE_SCHEMA_FILE).read_text("utf-8"))
