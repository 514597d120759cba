"""`portalwatch saved` and `portalwatch alerts` as users run them: the installed command, its Vietnamese output."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from portalwatch.core import VN_TZ
from portalwatch.state.alerts import AlertLog
from portalwatch.state.lock import job_lock
from portalwatch.store.sqlite import SQLiteStore
from tests.support import make


def portalwatch(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(data_dir), "COLUMNS": "250"}  # tables unfolded
    return subprocess.run([str(Path(sys.executable).with_name("portalwatch")), *args], env=env, capture_output=True,
                          text=True, timeout=300)


def test_saved_searches_are_added_tested_listed_and_removed(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("- id: a\n  name: Cổng A\n  homepage: http://a.test/\n", encoding="utf-8")
    now = datetime.now(VN_TZ)
    store = SQLiteStore(tmp_path / "portalwatch.db")
    store.upsert([make("http://a/1", "Hội nghị cử tri tiếp xúc đại biểu", "Cử tri góp ý về bầu cử.",
                       now - timedelta(minutes=5), topics=("bau-cu",)),
                  make("http://a/2", "Giá lúa tăng", "Giá lúa tăng ở xã.", now - timedelta(minutes=5))])
    store.close()

    refused = portalwatch(tmp_path, "saved", "add", "Hỏng", "--to", "ban@binhgiang.test", "--", "-tham")
    assert refused.returncode != 0 and "chỉ có từ loại trừ" in refused.stdout
    refused = portalwatch(tmp_path, "saved", "add", "Hỏng", "x", "--to", "khong-phai-dia-chi")
    assert refused.returncode != 0 and "--to" in refused.stdout

    added = portalwatch(tmp_path, "saved", "add", "Bầu cử", "bầu cử", "--topic", "bau-cu", "--to", "ban@binhgiang.test")
    assert added.returncode == 0, added.stdout + added.stderr
    assert "Đã lưu tìm kiếm «Bầu cử»" in added.stdout
    listed = portalwatch(tmp_path, "saved", "list")
    assert "Bầu cử" in listed.stdout and "ban@binhgiang.test" in listed.stdout

    tried = portalwatch(tmp_path, "saved", "test", "Bầu cử")
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "Sẽ gửi 1 cảnh báo" in tried.stdout and "Hội nghị cử tri tiếp xúc đại biểu" in tried.stdout
    assert "Giá lúa" not in tried.stdout
    with AlertLog(tmp_path / "alerts.db") as log:
        assert log.recent(10) == []  # a test records and sends nothing

    with job_lock(tmp_path, "alerts", "một lượt khác"):
        busy = portalwatch(tmp_path, "alerts", "check")
    assert busy.returncode == 2 and "Một lượt kiểm tra cảnh báo đang chạy ở tiến trình khác" in busy.stdout
    with AlertLog(tmp_path / "alerts.db") as log:
        assert log.recent(10) == []
    checked = portalwatch(tmp_path, "alerts", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 cảnh báo mới" in checked.stdout and "1 lượt chờ gửi lại" in checked.stdout  # no SMTP server set
    shown = portalwatch(tmp_path, "alerts")
    assert "Bài mới khớp «Bầu cử»" in shown.stdout and "chưa gửi được" in shown.stdout
    assert "Không có gì mới" in portalwatch(tmp_path, "saved", "test", "Bầu cử").stdout
    runs = portalwatch(tmp_path, "runs")
    assert "portalwatch-alerts" in runs.stdout

    assert "Đã xóa" in portalwatch(tmp_path, "saved", "rm", "Bầu cử").stdout
    gone = portalwatch(tmp_path, "saved", "rm", "Bầu cử")
    assert gone.returncode != 0 and "Không có tìm kiếm đã lưu nào tên «Bầu cử»" in gone.stdout
