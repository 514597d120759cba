"""Broken configuration files end at once in one line that names the file, the line and the fix (exit 2)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "- id: binhgiang\n  name: Cổng TTĐT tỉnh Bình Giang\n  homepage: https://binhgiang.gov.vn/\n"
# (registry text, the line at fault counted by hand, words the message must carry)
BROKEN_REGISTRIES = {
    "unclosed quote": ('- id: a\n  name: "Cổng tỉnh\n  homepage: https://a.gov.vn/\n', 2, "YAML"),
    "missing id": ("- name: A\n  homepage: https://a.gov.vn/\n", 1, "'id'"),
    "duplicate ids": (GOOD + GOOD.replace("name: Cổng TTĐT", "name: Bản sao"), 4, "lặp lại"),
    "homepage not a URL": (GOOD.replace("https://binhgiang.gov.vn/", "binhgiang.gov.vn"), 3, "địa chỉ web"),
    "bad article pattern": (GOOD + '  article_pattern: "(tin-tuc"\n', 4, "biểu thức chính quy"),
    "negative budget": (GOOD + "  max_articles: -1\n", 4, "lớn hơn hoặc bằng 1"),
    "not a cron line": (GOOD + "  schedule: every tuesday\n", 4, "cron"),
}
BROKEN_PLANS = {
    "month 13": ("- name: Tuyên truyền bầu cử\n  from: 2026-13-01\n  until: 2026-12-31\n  topics: [bau-cu]\n", 2,
                 "'from'"),
    "unknown topic": ("- name: Tuyên truyền bầu cử\n  from: 2026-11-01\n  until: 2026-12-31\n  topics: [bau-cuu]\n",
                      4, "bau-cuu"),
    "unknown source": ("- name: Tuyên truyền bầu cử\n  from: 2026-11-01\n  until: 2026-12-31\n  topics: [bau-cu]\n"
                       "  sources: [binhgiang, nope]\n", 5, "nope"),
}

TOPIC = "  - id: bau-cu\n    name: Bầu cử\n    phrases: [bầu cử, cử tri]\n"
BROKEN_TAXONOMIES = {
    "unclosed quote": ('topics:\n  - id: bau-cu\n    name: "Bầu cử\n    phrases: [bầu cử]\n', 3, "YAML"),
    "score not a number": ("min_score: three\ntopics:\n" + TOPIC, 1, "phải là số"),
    "duplicate topic ids": ("topics:\n" + TOPIC + TOPIC, 5, "lặp lại"),
    "no phrase and no directive": ("topics:\n  - id: bau-cu\n    name: Bầu cử\n    phrases: []\n", 2, "cụm từ"),
    "an empty phrase": ('topics:\n  - id: bau-cu\n    name: Bầu cử\n    phrases: [bầu cử, ""]\n', 4,
                        "không được để trống"),
    "a misspelt key": ("topics:\n" + TOPIC + "    phrase: [cử tri]\n", 5, "không được hỗ trợ"),
    "no topics": ("min_score: 3\ntopics: []\n", 2, "'topics'"),
    "examples that are not there": ("examples: vi-du\ntopics:\n" + TOPIC, None, "vi-du"),
}


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(data_dir), "COLUMNS": "250"}
    env.pop("PORTALWATCH_ES_URL", None)
    return subprocess.run([sys.executable, "-c", "from portalwatch.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, done.stdout
    return lines[0]


@pytest.mark.parametrize("case", list(BROKEN_REGISTRIES))
def test_a_broken_registry_stops_crawl_in_one_line(tmp_path: Path, case: str) -> None:
    text, line, words = BROKEN_REGISTRIES[case]
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    message = one_line(run(tmp_path, "crawl"))
    assert "sources.yaml" in message and f"dòng {line}" in message and words in message


def test_a_missing_registry_says_how_to_make_one(tmp_path: Path) -> None:
    message = one_line(run(tmp_path, "process"))
    assert "sources.yaml" in message and "PORTALWATCH_SOURCES" in message


@pytest.mark.parametrize("case", list(BROKEN_PLANS))
def test_a_broken_plan_file_stops_digest_in_one_line(tmp_path: Path, case: str) -> None:
    text, line, words = BROKEN_PLANS[case]
    (tmp_path / "sources.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "plans.yaml").write_text(text, encoding="utf-8")
    message = one_line(run(tmp_path, "digest", "--week", "2026-W47"))
    assert "plans.yaml" in message and f"dòng {line}" in message and words in message


@pytest.mark.parametrize("case", list(BROKEN_TAXONOMIES))
def test_a_broken_taxonomy_stops_process_in_one_line(tmp_path: Path, case: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text, line, words = BROKEN_TAXONOMIES[case]
    (tmp_path / "sources.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "chu-de.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("PORTALWATCH_TAXONOMY", str(tmp_path / "chu-de.yaml"))
    message = one_line(run(tmp_path, "process"))
    assert "chu-de.yaml" in message and words in message
    assert line is None or f"dòng {line}" in message


def test_unknown_source_ids_suggest_the_nearest(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(GOOD, encoding="utf-8")
    done = run(tmp_path, "crawl", "--source", "binhgiag")
    assert done.returncode == 2 and "có phải binhgiang?" in done.stdout + done.stderr


def test_a_week_that_does_not_exist_is_refused_before_any_flow(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(GOOD, encoding="utf-8")
    done = run(tmp_path, "digest", "--week", "2026-W99")
    assert done.returncode == 2 and "2026-W47" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_check_reports_each_part_and_fails_on_a_broken_one(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(GOOD, encoding="utf-8")
    good = run(tmp_path, "check")
    assert good.returncode == 0, good.stdout
    assert "1 nguồn" in good.stdout and "13 chủ đề" in good.stdout
    (tmp_path / "sources.yaml").write_text(BROKEN_REGISTRIES["missing id"][0], encoding="utf-8")
    bad = run(tmp_path, "check")
    assert bad.returncode == 2 and "thiếu trường bắt buộc" in bad.stdout


def test_an_error_raised_inside_a_flow_is_one_line_without_prefect_output(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(GOOD, encoding="utf-8")
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path), "PORTALWATCH_ES_URL": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-c", "from portalwatch.cli import main; main()", "digest", "--week",
                           "2026-W47"], capture_output=True, text=True, timeout=300, env=env, check=False)
    assert "Không kết nối được Elasticsearch" in one_line(done)
    assert done.stderr.strip() == ""  # no flow-run traceback printed by Prefect


def test_an_unexpected_failure_is_one_line_pointing_to_a_log_that_exists(tmp_path: Path) -> None:
    (tmp_path / "archive.db").mkdir()  # a data directory broken by hand: the database cannot be opened
    done = run(tmp_path, "skips")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "chi tiết trong" in lines[0]
    log = tmp_path / "logs" / "portalwatch.log"
    assert str(log) in lines[0] and "Traceback" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("PORTALWATCH_ES_URL", "not-a-url", "không phải địa chỉ web"),
    ("PORTALWATCH_SMTP_PORT", "hai mươi lăm", "phải là số nguyên"),
])
def test_a_bad_setting_names_its_variable(tmp_path: Path, variable: str, value: str, problem: str) -> None:
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path), variable: value}
    done = subprocess.run([sys.executable, "-c", "from portalwatch.cli import main; main()", "search", "x"],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    message = one_line(done)
    assert variable in message and problem in message


def test_a_data_directory_that_cannot_be_made_says_which_variable_to_set(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    message = one_line(run(tmp_path / "file" / "data", "search", "x"))
    assert "PORTALWATCH_DATA_DIR" in message


def test_a_web_server_that_is_not_the_engine_is_named_so_in_one_short_line(tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NotTheEngine(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = ("<html><body>" + "<p>Trang này không hỗ trợ phương thức đó.</p>" * 200 + "</body></html>").encode()
            self.send_response(501)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        do_PUT = do_POST = do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotTheEngine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path),
           "PORTALWATCH_ES_URL": f"http://127.0.0.1:{server.server_address[1]}"}
    done = subprocess.run([sys.executable, "-c", "from portalwatch.cli import main; main()", "search", "x"],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    server.shutdown()
    message = one_line(done)
    assert "không trả lời như Elasticsearch" in message and len(message) < 400


@pytest.mark.parametrize(("args", "expected"), [
    (["nosuch"], "Lỗi: không có lệnh 'nosuch'"),
    (["search", "--nope"], "Lỗi: không có tùy chọn --nope"),
    (["search", "--limit", "abc", "x"], "Lỗi: giá trị không hợp lệ cho '--limit': phải là số nguyên"),
    (["runs", "--limit", "500"], "Lỗi: giá trị không hợp lệ cho '--limit': tối đa là 200"),
    (["extract"], "Lỗi: thiếu tham số 'files'"),
    (["runs", "a", "b"], "Lỗi: thừa tham số: a b"),
])
def test_a_mistyped_command_line_is_one_vietnamese_line(tmp_path: Path, args: list[str], expected: str) -> None:
    done = run(tmp_path, *args)
    line = one_line(done)
    assert line.startswith(expected) and "--help" in line, line
    assert done.stderr.strip() == ""  # no English box from Typer


def test_help_is_titled_in_vietnamese(tmp_path: Path) -> None:
    done = run(tmp_path, "search", "--help")
    assert done.returncode == 0
    assert "─ Tham số ─" in done.stdout and "─ Tùy chọn ─" in done.stdout
    assert "Options" not in done.stdout and "Arguments" not in done.stdout
    assert "Cách dùng: " in done.stdout and "Hiện hướng dẫn này rồi thoát." in done.stdout
    assert "Usage" not in done.stdout and "Show this message" not in done.stdout
