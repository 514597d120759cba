"""Stopping a crawl or a processing run: Ctrl+C, SIGTERM or kill -9 leave no process behind (neither the
crawl child nor Prefect's temporary server) and keep what was done; an interrupted crawl is recorded as
such, never as the source's usual volume."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from portalwatch.fixture_portals.server import FixturePortals
from tests.support import fill_archive

# Every process a command starts inherits its environment: this variable marks them all.
MARK = "PORTALWATCH_TEST_MARK"


def crawl_processes(data_dir: Path) -> list[str]:
    listing = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if "crawlers.run" in line and str(data_dir) in line]


def archived(data_dir: Path) -> int:
    try:
        with sqlite3.connect(data_dir / "archive.db", timeout=10) as db:
            return db.execute("SELECT count(*) FROM pages").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet
        return 0


def marked(mark: str) -> list[str]:
    """The command lines of the live processes whose environment carries the mark (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"{MARK}={mark}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


def wait_unmarked(mark: str, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    return marked(mark)


def start_command(data_dir: Path, *args: str, mark: str = "") -> subprocess.Popen[str]:
    """`portalwatch ARGS` in its own session as from a terminal, without a configured Prefect server."""
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(data_dir), MARK: mark}
    for name in ("PORTALWATCH_ES_URL", "PREFECT_API_URL"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-c", "from portalwatch.cli import main; main()", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def start_crawl(data_dir: Path, portals: FixturePortals, delay: int = 1, mark: str = "") -> subprocess.Popen[str]:
    """`portalwatch crawl` at a polite pace (seconds between requests), under way."""
    portals.write_registry(data_dir / "sources.yaml")
    crawl = start_command(data_dir, "crawl", "--delay", str(delay), mark=mark)
    deadline = time.monotonic() + 120
    while archived(data_dir) < 3:  # the crawl is under way: pages are being archived
        assert crawl.poll() is None, crawl.communicate()
        assert time.monotonic() < deadline, "the crawl never started"
        time.sleep(0.3)
    return crawl


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_stopping_a_crawl_keeps_its_pages_and_records_it_as_interrupted(
        tmp_path: Path, portals: FixturePortals, how: signal.Signals) -> None:
    crawl = start_crawl(tmp_path, portals)
    crawl.send_signal(how)
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 130, out + err
    assert [line for line in out.splitlines() if line.strip()] == [
        "Đã dừng theo yêu cầu; phần đã làm xong được giữ lại, lần chạy sau làm tiếp."]
    assert "Traceback" not in err
    assert not crawl_processes(tmp_path)
    assert archived(tmp_path) >= 3
    with sqlite3.connect(tmp_path / "archive.db") as db:
        statuses = {source: status for source, status in db.execute("SELECT source_id, status FROM crawl_runs")}
    assert statuses == {source.id: "interrupted" for source in portals.sources()}


def test_a_killed_crawl_command_leaves_no_process_and_no_baseline(tmp_path: Path, portals: FixturePortals) -> None:
    # At 2 s a request the crawl alone would run on for more than a minute: only its parent's death stops it sooner.
    mark = uuid.uuid4().hex
    crawl = start_crawl(tmp_path, portals, delay=2, mark=mark)
    assert crawl_processes(tmp_path)
    children = marked(mark)
    assert any("crawlers.run" in c for c in children) and any("flows.api_server" in c for c in children), children
    crawl.kill()
    crawl.wait(timeout=30)  # not communicate(): what the command started may still hold its pipes
    assert wait_unmarked(mark, 20) == []
    with sqlite3.connect(tmp_path / "archive.db") as db:
        runs = db.execute("SELECT flow, state, ended_at FROM runs").fetchall()
        statuses = {status for (status,) in db.execute("SELECT status FROM crawl_runs")}
    assert runs == [("portalwatch-crawl", "running", "")]  # never recorded as ended
    assert statuses <= {"interrupted"}  # a cut-off crawl's few links never become a source's usual volume


def processed(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "archive.db", timeout=10) as db:
        return db.execute("SELECT count(*) FROM pages WHERE processed = 1").fetchone()[0]


def start_processing(data_dir: Path, portals: FixturePortals, pages: int, mark: str = "") -> subprocess.Popen[str]:
    """`portalwatch process` over a large archive, under way: its first batch of articles is stored."""
    portals.write_registry(data_dir / "sources.yaml")
    fill_archive(data_dir / "archive.db", pages)
    command = start_command(data_dir, "process", mark=mark)
    deadline = time.monotonic() + 120
    while processed(data_dir) == 0:
        assert command.poll() is None, command.communicate()
        assert time.monotonic() < deadline, "processing never started"
        time.sleep(0.2)
    return command


def stored_articles(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "portalwatch.db", timeout=10) as db:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_stopping_processing_keeps_what_was_stored_and_records_it_as_interrupted(
        tmp_path: Path, portals: FixturePortals, how: signal.Signals) -> None:
    pages = 2000  # every one an article of its own; about ten seconds of processing
    mark = uuid.uuid4().hex
    command = start_processing(tmp_path, portals, pages, mark)
    command.send_signal(how)
    out, err = command.communicate(timeout=60)
    assert command.returncode == 130, out + err
    assert [line for line in out.splitlines() if line.strip()] == [
        "Đã dừng theo yêu cầu; phần đã làm xong được giữ lại, lần chạy sau làm tiếp."]
    assert "Traceback" not in err
    assert wait_unmarked(mark, 20) == []
    done = processed(tmp_path)
    assert 0 < done < pages  # stopped part-way, not after finishing
    assert stored_articles(tmp_path) >= done  # every page marked done has its article stored
    with sqlite3.connect(tmp_path / "archive.db") as db:
        assert db.execute("SELECT flow, state FROM runs").fetchall() == [("portalwatch-process", "interrupted")]
    # The next run does the rest.
    finish = start_command(tmp_path, "process")
    out, err = finish.communicate(timeout=300)
    assert finish.returncode == 0, out + err
    assert processed(tmp_path) == pages and stored_articles(tmp_path) == pages


def test_a_killed_process_command_leaves_no_process(tmp_path: Path, portals: FixturePortals) -> None:
    mark = uuid.uuid4().hex
    command = start_processing(tmp_path, portals, 2000, mark)
    assert any("flows.api_server" in c for c in marked(mark)), marked(mark)
    command.kill()
    command.wait(timeout=30)
    assert wait_unmarked(mark, 20) == []
    with sqlite3.connect(tmp_path / "archive.db") as db:
        assert db.execute("SELECT flow, state, ended_at FROM runs").fetchall() == [
            ("portalwatch-process", "running", "")]


@pytest.mark.parametrize("command", ["crawl", "process"])
def test_a_second_run_on_the_same_data_directory_says_who_holds_it(
        tmp_path: Path, portals: FixturePortals, command: str) -> None:
    from portalwatch.state.lock import crawl_locks, job_lock

    portals.write_registry(tmp_path / "sources.yaml")
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path)}
    env.pop("PORTALWATCH_ES_URL", None)
    holder = (crawl_locks(tmp_path, [s.id for s in portals.sources()]) if command == "crawl"
              else job_lock(tmp_path, "process", "Một lượt xử lý"))
    with holder:  # this test process plays the first run
        # A busy data directory is no reason to retry: the back-off (30, 60, 120 s) would outlast this timeout.
        done = subprocess.run([sys.executable, "-c", "from portalwatch.cli import main; main()", command],
                              env=env, capture_output=True, text=True, timeout=150, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stdout + done.stderr
    assert f"pid {os.getpid()}" in lines[0] and "đang chạy" in lines[0]
    assert archived(tmp_path) == 0


def processes_with(*words: str) -> list[str]:
    listing = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in listing.splitlines() if all(word in line for word in words)]


def test_ctrl_c_stops_serve_with_its_runner_and_its_prefect_server(tmp_path: Path, portals: FixturePortals) -> None:
    import socket

    with socket.socket() as probe, socket.socket() as web_probe:
        probe.bind(("127.0.0.1", 0))
        web_probe.bind(("127.0.0.1", 0))
        port, web_port = str(probe.getsockname()[1]), str(web_probe.getsockname()[1])
    portals.write_registry(tmp_path / "sources.yaml")
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path), "PREFECT_HOME": str(tmp_path / "prefect")}
    for name in ("PORTALWATCH_ES_URL", "PREFECT_API_URL"):
        env.pop(name, None)
    serve = subprocess.Popen([sys.executable, "-c", "from portalwatch.cli import main; main()", "serve",
                              "--port", port, "--web-port", web_port], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 180
    while not processes_with("flows.serve"):  # the server is up and the runner started
        assert serve.poll() is None, serve.communicate()[0]
        assert time.monotonic() < deadline, "serve never started its runner"
        time.sleep(0.5)
    assert processes_with("prefect", "server", "start", port)
    while not processes_with(f"web --port {web_port}"):
        assert time.monotonic() < deadline, "serve never started the web interface"
        time.sleep(0.5)
    serve.send_signal(signal.SIGINT)
    out, _ = serve.communicate(timeout=60)
    assert "Đang dừng" in out and "Traceback" not in out
    gone = time.monotonic() + 20
    while (processes_with("flows.serve") or processes_with("prefect", "server", "start", port)
           or processes_with(f"web --port {web_port}")) and time.monotonic() < gone:
        time.sleep(0.2)
    assert processes_with("prefect", "server", "start", port) == []
    assert processes_with("flows.serve") == []
    assert processes_with(f"web --port {web_port}") == []
