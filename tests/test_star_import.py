"""The package's namespace: ``from autodiff_viz import *`` shadows no built-in, every
public name loads on first use (``import autodiff_viz`` loads neither numpy nor networkx),
and ``autodiff_viz.check`` is both the package and a function at run time."""
from __future__ import annotations

import builtins
import subprocess
import sys

import autodiff_viz as av


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_star_import_binds_no_builtin_name() -> None:
    namespace: dict[str, object] = {}
    exec("from autodiff_viz import *", namespace)  # noqa: S102
    bound = set(namespace) - {"__builtins__"}
    assert bound == set(av.__all__)
    assert not bound & set(dir(builtins)), sorted(bound & set(dir(builtins)))
    assert namespace["trace"] is av.trace and namespace["check"] is av.check
    assert namespace["sin"](0.0) == 0.0 and namespace["pi"] == av.pi


def test_all_is_the_public_api_of_the_readme() -> None:
    for name in ("trace", "gradient", "jacobian", "parse", "to_graph", "trace_function",
                 "Trace", "Graph", "check", "assert_gradient", "assert_trace",
                 "assert_backward", "Report", "AutodiffVizError", "InputError", "ParseError",
                 "sin", "exp", "relu", "pi", "e"):
        assert name in av.__all__, name
    assert len(set(av.__all__)) == len(av.__all__)
    assert all(not name.startswith("_") for name in av.__all__)
    assert set(av.__all__) <= set(dir(av))


def test_names_shadowing_builtins_stay_reachable_as_attributes() -> None:
    assert (av.max(2.0, 3.0), av.min(2.0, 3.0), av.abs(-2.0), av.pow(2.0, 3.0)) == \
        (3.0, 2.0, 2.0, 8.0)
    g = av.gradient(lambda x, y: av.max(x, y) + av.pow(x, 2), at={"x": 3.0, "y": 1.0})
    assert g == {"x": 7.0, "y": 0.0}


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        av.no_such_name  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_import_loads_neither_numpy_nor_networkx() -> None:
    out = _run("import sys, autodiff_viz as av\n"
               "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules}"
               " & {'numpy', 'networkx', 'rich'}) or ['-']\n"
               "print(*heavy())\n"
               "t = av.trace('sin(x1) + x1*x2', at={'x1': 2, 'x2': 3})\n"
               "print(*heavy())\n"
               "av.parse('x*y').to_networkx()\n"
               "print(*heavy())\n")
    assert out.splitlines() == ["-", "numpy", "networkx numpy"]


def test_checking_and_the_cli_do_not_import_networkx() -> None:
    out = _run("import sys, contextlib, io, autodiff_viz as av\n"
               "key = {'expression': 'x*y', 'at': {'x': 1, 'y': 2}, 'ask': [{'kind': 'gradient'}]}\n"
               "r = av.check(key, 'dz/dx = 2\\ndz/dy = 1')\n"
               "from autodiff_viz.cli import main\n"
               "with contextlib.redirect_stdout(io.StringIO()):\n"
               "    main(['demo']); main(['grad', 'x*y', '--at', 'x=1,y=2'])\n"
               "print(r.score, r.max_score, 'networkx' in sys.modules)")
    assert out == "2.0 2.0 False"


def test_the_function_trace_survives_importing_the_module_trace() -> None:
    """Importing the submodule ``autodiff_viz.trace`` first (as the CLI and views do)
    must not turn ``av.trace`` into that module."""
    out = _run("from autodiff_viz.trace import Trace\n"
               "import autodiff_viz.trace as m\n"
               "import autodiff_viz as av, sys, types\n"
               "print(isinstance(av.trace, types.FunctionType), av.Trace is Trace,"
               " sys.modules['autodiff_viz.trace'].Trace is Trace,"
               " av.trace('x*y', at={'x': 2, 'y': 3}).value)")
    assert out == "True True True 6.0"


def test_check_is_the_package_and_a_function() -> None:
    out = _run("import autodiff_viz as av\n"
               "key = {'expression': 'x*y', 'at': {'x': 1, 'y': 2}, 'ask': [{'kind': 'gradient'}]}\n"
               "r = av.check(key, 'dz/dx = 2\\ndz/dy = 1')\n"
               "import autodiff_viz.check\n"
               "from autodiff_viz.check import assert_trace, load_key\n"
               "from autodiff_viz import check\n"
               "print(type(r).__name__, r.score, check is av.check is autodiff_viz.check,"
               " av.check.check is av.check, av.check.load_key is load_key,"
               " av.assert_trace is assert_trace, av.Report is type(r))")
    assert out == "Report 2.0 True True True True True"


def test_dir_lists_the_lazy_names() -> None:
    names = dir(av)
    for name in ("trace", "check", "sin", "max", "pi", "Trace", "__version__"):
        assert name in names
