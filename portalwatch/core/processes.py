"""Child processes that never outlive the process that started them."""

import ctypes
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child (as preexec_fn): get SIGTERM when the parent ends, however it ends, kill -9 included (Linux)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
