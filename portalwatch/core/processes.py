"""Child processes that never outlive the process that started them."""

import ctypes
import os
import signal
import subprocess
import threading
import time

_PR_SET_PDEATHSIG = 1


def quiet_until_ready() -> None:
    """In a child that its parent may stop while it is still importing (Prefect, the web stack): until the child
    installs its own handler, an interrupt just ends it, instead of a traceback from inside an import (or
    wrapped in another exception, as pydantic's serialisation error does). Nothing of ours is under way yet."""
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))


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


def exit_when_orphaned(grace: float) -> None:
    """In a child: end the process `grace` seconds after its parent is gone, whatever it is doing.

    die_with_parent's signal starts a graceful stop, which a busy crawl may take long to finish; the
    work is safe anyway (the frontier keeps every URL until its outcome is stored).
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, name="exit-when-orphaned", daemon=True).start()
