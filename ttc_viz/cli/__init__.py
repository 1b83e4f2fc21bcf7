"""Command line: ``ttc-viz <command>``, one module per command in this folder.

Each command module has ``NAME``, ``add_parser(subparsers)`` (its options and help) and
``run(args) -> exit code``; ``COMMANDS`` lists them in the order ``--help`` shows. Every
mistake in the input is reported as one line on stderr with exit code 2, before any model
is loaded; a model that fails to load or run is reported the same way.
"""
from __future__ import annotations

import sys

from . import (bench_verifier, eval_gen, eval_prm, eval_revise, models, prm_data, report, solve, sweep, train_gen,
               train_prm, train_revise)
from .common import Parser

COMMANDS = (solve, models, prm_data, train_prm, train_gen, train_revise, eval_gen, eval_prm, eval_revise,
            bench_verifier, sweep, report)


def build_parser() -> Parser:
    p = Parser(prog="ttc-viz", description="See test-time compute at work: PRM-guided search on a real language model.")
    sub = p.add_subparsers(dest="cmd", parser_class=Parser, title="commands")
    for cmd in COMMANDS:
        cmd.add_parser(sub).set_defaults(run=cmd.run)
    return p


def main(argv=None) -> int:
    from ..lm.base import GeneratorError
    from ..problems import ProblemError
    from ..tree import TreeFormatError
    from ..verifiers.base import VerifierError

    parser = build_parser()
    a = parser.parse_args(argv)
    if a.cmd is None:
        parser.print_help()
        return 2
    try:
        return a.run(a)
    except (ProblemError, ValueError, GeneratorError, VerifierError, TreeFormatError) as e:
        print(f"ttc-viz: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a file or folder that cannot be read or written
        where = f": {e.filename}" if getattr(e, "filename", None) else ""
        print(f"ttc-viz: error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except RecursionError:  # a JSON line of 100,000 brackets
        print("ttc-viz: error: an input is nested too deeply to read", file=sys.stderr)
        return 2
    except MemoryError:
        print("ttc-viz: error: out of memory (an input too large?)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ttc-viz: interrupted", file=sys.stderr)
        return 130


__all__ = ["COMMANDS", "build_parser", "main"]
