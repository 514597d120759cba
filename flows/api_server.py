"""Prefect's temporary API server, started by us instead of by Prefect, so that it dies with the command.

Without PREFECT_API_URL, Prefect starts a temporary server in a subprocess of its own, which survives a
`kill -9` of the command (~200 MB left running). Here the command starts the same server (Prefect's
`create_app` in ephemeral mode: no UI, no scheduler) in a child that gets SIGTERM when its parent dies
and exits a few seconds after anyway, on a loopback port the child chose itself (no race for a port).
It starts before Prefect is imported, so the two start-ups overlap, and PREFECT_API_URL points the
command's flows at it.

This module imports nothing from Prefect at import time: the command must set PREFECT_API_URL first.
"""

import argparse
import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from portalwatch.core.processes import die_with_parent, exit_when_orphaned

# An orphaned server stops this long after its command, even if its graceful shutdown hangs.
ORPHAN_GRACE_SECONDS = 3
# How long a stopping server may take before it is killed (it keeps nothing we need).
STOP_SECONDS = 5


class ApiServerError(RuntimeError):
    pass


class ApiServer:
    """A running temporary server: `wait()` until it answers, `stop()` at the end (also at exit)."""

    def __init__(self, log: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        self.log = log
        with log.open("ab") as out:
            # Its own session: a Ctrl+C at the terminal reaches only the command, which stops the
            # server after its flows have recorded how they ended.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flows.api_server", "--parent", str(os.getpid())],
                stdout=subprocess.PIPE, stderr=out, env=env, start_new_session=True, preexec_fn=die_with_parent)
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()  # written as soon as the socket is bound
        if not port.isdigit():
            self.stop()
            raise ApiServerError(f"máy chủ Prefect tạm thời không khởi động được; xem {log}")
        self.url = f"http://127.0.0.1:{int(port)}/api"
        # After Prefect's own exit handlers (registered later, run earlier) have sent their last logs and events.
        atexit.register(self.stop)

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ApiServerError(f"máy chủ Prefect tạm thời không khởi động được trong {timeout:g} giây; xem {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def start_temporary_api(log: Path) -> ApiServer | None:
    """Point the flows run in this process at a temporary server of ours, unless a server is configured
    (PREFECT_API_URL) or Prefect is already imported (then whoever imported it set it up). The server
    stops when the process exits."""
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        return None
    server = ApiServer(log)
    os.environ["PREFECT_API_URL"] = server.url
    return server


def main() -> None:
    """The server process: bind a free loopback port, tell the parent which, serve Prefect's API."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args()
    if os.getppid() != args.parent:  # the command died before die_with_parent took effect
        sys.exit(1)
    exit_when_orphaned(ORPHAN_GRACE_SECONDS)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    os.dup2(2, 1)  # anything printed later goes to the log file, not to a pipe nobody reads any more

    import uvicorn
    from prefect.server.api.server import create_app

    config = uvicorn.Config(create_app(ephemeral=True, final=True), log_level="error", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
