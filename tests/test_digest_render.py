"""The rendered digest as a reader sees it: opened in headless Chromium and saved as a screenshot."""

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.support import PipelineRun

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_digest_renders_in_a_browser(pipeline_run: PipelineRun, tmp_path: Path) -> None:
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed")
    html = Path(pipeline_run.result["digest"]["html"])
    screenshot = html.with_name(html.stem + "-screenshot.png")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,2600", f"--screenshot={screenshot}",
         html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1000, 2600)
    assert len(png) > 100_000  # a page of tables and two charts, not a blank one
