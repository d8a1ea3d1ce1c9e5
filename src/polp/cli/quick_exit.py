"""Ending the process without freeing what a command built, when nothing is left to clean up.

An audit of a large account holds millions of objects (the inventory, compiled policies, cached
answers, findings) until the report is written. Freeing them one by one when the process ends costs
a few per cent of the run and serves nothing: the operating system takes the memory back at once.
mypy ends its runs the same way. A command that has written its output completely, and left no file
or connection open, calls :func:`allow`; the console entry point then flushes the standard streams
and ends the process with :func:`os._exit`. Commands run in-process (tests, library callers) are not
affected: only :func:`polp.cli.main` called without arguments, as the console script is, exits so.
With ``POLP_DEBUG`` set, the process exits the ordinary way, so that coverage, profilers and other
``atexit`` handlers see its end.
"""

from __future__ import annotations

import os
import sys

_allowed = False


def allow() -> None:
    """Say that the running command has nothing left to clean up (its output is written)."""
    global _allowed
    _allowed = True


def reset() -> None:
    """Forget an earlier :func:`allow` (a new command starts)."""
    global _allowed
    _allowed = False


def exit_now(code: int) -> None:
    """End the process with ``code`` without freeing its objects, if :func:`allow` was called and the
    standard streams can be flushed; otherwise return (the caller exits as usual)."""
    global _allowed
    if not _allowed or os.environ.get("POLP_DEBUG"):
        return
    _allowed = False
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed or broken stream: let the normal exit report it
    os._exit(code)
