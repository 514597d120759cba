"""`portalwatch users` and `portalwatch web`: hashed passwords in an owner-only file, loopback unless
users are configured, and the command really serving."""

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from portalwatch.cli import app


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))
    return tmp_path


def test_users_are_added_listed_and_removed_with_hashed_passwords(data_dir: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "bientap", "--role", "admin"], input="mat-khau-dai-1\nmat-khau-dai-1\n")
    assert added.exit_code == 0, added.output
    stored = data_dir / "users.json"
    assert "mat-khau-dai-1" not in stored.read_text(encoding="utf-8")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    listed = runner.invoke(app, ["users", "list"])
    assert "bientap" in listed.output and "quản trị" in listed.output
    short = runner.invoke(app, ["users", "add", "ngan"], input="ngan\nngan\n")
    assert short.exit_code != 0 and "ít nhất 8 ký tự" in short.output
    assert runner.invoke(app, ["users", "rm", "bientap"]).exit_code == 0
    assert "bientap" not in runner.invoke(app, ["users", "list"]).output
    assert "Không có người dùng" in runner.invoke(app, ["users", "rm", "bientap"]).output


def test_web_refuses_a_public_address_without_users(data_dir: Path) -> None:
    refused = CliRunner().invoke(app, ["web", "--host", "0.0.0.0"])
    assert refused.exit_code == 2
    assert "portalwatch users" in refused.output


def test_web_serves_on_loopback(data_dir: Path) -> None:
    with socket.socket() as probe:  # a port free now; the command binds it a moment later
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).with_name("portalwatch")), "web", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env={**os.environ, "PORTALWATCH_DATA_DIR": str(data_dir)})
    try:
        deadline = time.monotonic() + 120  # start-up on a loaded machine: a bound, not a measurement
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "portalwatch web did not start"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "store": "sqlite", "articles": 0, "data_until": None}
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert "Kho chưa có bài viết nào." in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)
