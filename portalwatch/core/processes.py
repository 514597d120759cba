"""Child processes that never outlive the process that started them."""

import ctypes
import signal
import subprocess

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child (as preexec_fn): get SIGTERM when the parent ends, however it ends, kill -9 included (Linux)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_gracefully(child: "subprocess.Popen[str] | subprocess.Popen[bytes]", grace: float) -> None:
    """One SIGINT (the child closes in order), then a kill after `grace` seconds; pipes are drained."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)
    try:
        child.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
