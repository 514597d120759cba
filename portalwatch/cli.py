"""The `portalwatch` command line (help and output in Vietnamese, for the people who use it)."""

import difflib
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from flows.api_server import ApiServerError, start_temporary_api
from pipelines.directives import directive_key
from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings, get_settings
from portalwatch.core.config_files import ConfigError
from portalwatch.core.models import Source
from portalwatch.core.plans import load_plans
from portalwatch.core.processes import die_with_parent, stop_gracefully
from portalwatch.core.progress import Report, shown_by
from portalwatch.core.sources import load_sources
from portalwatch.reports.digest import week_bounds
from portalwatch.reports.export import write_csv
from portalwatch.reports.mailer import MailError, recipients
from portalwatch.reports.neutralise import markup, snippet_pieces, terminal
from portalwatch.runtime import configure_runtime, log_file
from portalwatch.state.archive import RawArchive
from portalwatch.state.lock import Busy
from portalwatch.state.postgres import StateUnavailable
from portalwatch.store import open_store
from portalwatch.store.base import Interval, SearchQuery, StoreError

if TYPE_CHECKING:
    from pipelines.tagging import Taxonomy
    from portalwatch.web.auth import Role, Tokens, Users

app = typer.Typer(help="portalwatch: theo dõi tin bài tuyên truyền trên cổng thông tin và báo địa phương.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console(highlight=False)
DEMO_PORTS = (8701, 8702, 8703, 8704)  # one per fixture site, in SITE_CLASSES order
# How long `serve` gives its runner and its Prefect server to stop before killing them.
SERVE_GRACE_SECONDS = 10
# The long stages' progress bars: label, and what their rate counts.
STAGES = {"crawl": ("Thu thập", "trang tải/giây"), "process": ("Xử lý", "trang/giây")}
RUN_STATES = {"running": "đang chạy", "completed": "xong", "failed": "lỗi", "interrupted": "bị dừng"}

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Thư mục dữ liệu (mặc định: PORTALWATCH_DATA_DIR).")]


def _settings(data_dir: Path | None, console_logs: bool = False) -> Settings:
    if data_dir:
        os.environ["PORTALWATCH_DATA_DIR"] = str(data_dir.resolve())
    settings = get_settings()
    configure_runtime(settings, console_logs)
    return settings


def _flows_api(settings: Settings) -> Callable[[], None]:
    """Before Prefect is imported: start its temporary server ourselves, so that it dies with this command
    (kill -9 included), while Prefect is being imported. Call the returned function before the first flow."""
    server = start_temporary_api(settings.data_dir / "logs" / "prefect-api.log")
    if server is None:
        return lambda: None
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
    return lambda: server.wait(timeout)


@contextmanager
def _progress() -> Iterator[None]:
    """Progress bars with counts and a rate for the long stages, when stdout is a terminal; elsewhere
    (logs, pipes, tests) only the plain stage lines, as before."""
    if not console.is_terminal:
        yield
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    class _Rate(ProgressColumn):
        """Items per second, named (Rich's own speed column counts bytes)."""

        def render(self, task: Task) -> Text:
            return Text(f"{task.speed or 0:.1f} {task.fields.get('unit', '')}")

    bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(),
                    TextColumn("{task.fields[note]}", markup=False), TimeElapsedColumn(), console=console)
    shown: dict[str, TaskID] = {}

    def display(stage: str) -> Report:
        label, unit = STAGES.get(stage, (stage, ""))

        def report(done: int, total: int | None, note: str) -> None:
            if stage not in shown:
                shown[stage] = bars.add_task(label, total=total, note="", unit=unit)
            bars.update(shown[stage], completed=done, total=total, note=note)
        return report

    with bars, shown_by(display):
        yield


def _check_ids(option: str, kind: str, asked: list[str] | None, known: dict[str, str] | list[str]) -> None:
    """An id that is not configured is an error naming the nearest ones: a typo would otherwise find nothing."""
    for unknown in [i for i in asked or [] if i not in known]:
        near = difflib.get_close_matches(unknown, list(known), n=3, cutoff=0.5)
        hint = f"có phải {', '.join(near)}?" if near else f"các mã: {', '.join(known)}"
        raise typer.BadParameter(f"không có {kind} {unknown!r} ({hint})", param_hint=option)


def _check_sources(settings: Settings, asked: list[str] | None) -> None:
    """--source ids against the registry, when there is one (a store can be searched without crawling)."""
    if settings.sources_file.exists():
        _check_ids("--source", "nguồn", asked, [s.id for s in load_sources(settings.sources_file)])


def _taxonomy(settings: Settings) -> "Taxonomy":
    from pipelines.tagging import load_taxonomy

    try:
        return load_taxonomy(settings.taxonomy)
    except ConfigError:
        raise
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"Tệp chủ đề {settings.taxonomy} không dùng được ({exc}); sửa tệp hoặc đặt "
                          "PORTALWATCH_TAXONOMY trỏ tới tệp đúng.") from exc


def _configuration(settings: Settings) -> tuple[list[Source], "Taxonomy"]:
    """Sources, taxonomy and plans read and cross-checked before any flow starts, so a mistake in them
    is one line at once instead of a crawl that retries for minutes."""
    sources = load_sources(settings.sources_file)
    taxonomy = _taxonomy(settings)
    load_plans(settings.plans_file, set(taxonomy.names), {s.id for s in sources})
    return sources, taxonomy


def _week(week: str | None) -> None:
    if week is not None:
        try:
            week_bounds(week)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--week") from exc


@app.command()
def demo(data_dir: DataDir = None) -> None:
    """Chạy thử toàn bộ: dựng các cổng tin mẫu trên máy, thu thập, xử lý, viết bản tin tuần."""
    started = time.monotonic()
    settings = _settings(data_dir)
    api_ready = _flows_api(settings)
    from flows.pipeline import pipeline_flow
    from portalwatch.fixture_portals.server import serve_fixture_portals
    with serve_fixture_portals(ports=DEMO_PORTS) as portals:
        portals.write_registry(settings.sources_file)
        portals.write_plans(settings.plans_file)
        console.print(f"Cổng tin mẫu: {', '.join(portals.base_urls.values())}")
        console.print(f"Thư mục dữ liệu: {settings.data_dir}")
        store = f"Elasticsearch {settings.es_url} (alias {settings.es_alias})" if settings.es_url else \
            f"SQLite {settings.store_path}"
        console.print(f"Kho bài viết: {store}")
        api_ready()
        with _progress():
            result = pipeline_flow(delay=0)
    console.print(f"\n[bold]Xong sau {time.monotonic() - started:.0f} giây.[/bold]")
    console.print(f"Bản tin tuần {result['week']}:")
    for path in result["digest"].values():
        console.print(f"  {path}")
    console.print("Tìm kiếm thử:")
    command = f"PORTALWATCH_DATA_DIR={settings.data_dir} " if data_dir else ""
    command += sys.argv[0] if Path(sys.argv[0]).name == "portalwatch" else "portalwatch"
    console.print(f'  {command} search "xay dung dang" --topic xay-dung-dang --since 2026-11-01', soft_wrap=True)
    console.print(f"  {command} skips", soft_wrap=True)
    console.print(f"Giao diện web: {command} web, rồi mở http://127.0.0.1:8300/", soft_wrap=True)


@app.command()
def deploy(pool: Annotated[str, typer.Option(help="Tên nhóm máy chạy (work pool) trên máy chủ Prefect.")]
           = "portalwatch", data_dir: DataDir = None) -> None:
    """Đăng các luồng chạy theo lịch lên một nhóm máy chạy của máy chủ Prefect dùng chung (PREFECT_API_URL);
    sau đó chạy `prefect worker start --pool <tên>` trên mỗi máy, với cùng các biến PORTALWATCH_*."""
    settings = _settings(data_dir)
    _configuration(settings)
    api = os.environ.get("PREFECT_API_URL")
    if not api or not _healthy(api):
        console.print(terminal(f"Cần một máy chủ Prefect dùng chung đang chạy: đặt PREFECT_API_URL (hiện là "
                               f"{api or 'chưa đặt'}), ví dụ http://may-chu:4200/api sau `prefect server start`."))
        raise typer.Exit(1)
    from flows.deployments import deploy_to_pool

    for deployment in deploy_to_pool(pool, settings.scheduler_interval_minutes, settings.alert_interval_minutes):
        console.print(terminal(f"  {deployment.name} → nhóm {pool}"))
    console.print(terminal(f"Trên mỗi máy chạy: prefect worker start --pool {pool}"))


@app.command()
def serve(data_dir: DataDir = None,
          port: Annotated[int, typer.Option(help="Cổng của máy chủ Prefect cục bộ.")] = 4200,
          web_port: Annotated[int, typer.Option(help="Cổng của giao diện web (127.0.0.1); 0: không chạy.")] = 8300,
          ) -> None:
    """Chạy theo lịch: thu thập các nguồn đến lượt (theo nhịp đăng bài của từng nguồn) rồi xử lý, bản tin sáng thứ Hai,
    kiểm tra cảnh báo mỗi giờ; kèm giao diện web trên 127.0.0.1."""
    settings = _settings(data_dir, console_logs=True)  # a long-running service: its runs log to the terminal
    _configuration(settings)  # a broken registry or plan stops here, not in the first scheduled run
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        # Schedules never fire on Prefect's temporary in-process server: start (or reuse) a real one.
        api = f"http://127.0.0.1:{port}/api"
        if not _healthy(api):
            log = (settings.data_dir / "logs" / "prefect-server.log")
            log.parent.mkdir(parents=True, exist_ok=True)
            server = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start",
                                       "--host", "127.0.0.1", "--port", str(port)],
                                      stdout=log.open("ab"), stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
                                      start_new_session=True)
            _wait_healthy(api, server)
        os.environ["PREFECT_API_URL"] = api
        console.print(f"Máy chủ Prefect: {api.removesuffix('/api')} (giao diện web)")
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    from flows.deployments import deployments

    for deployment in deployments(settings.scheduler_interval_minutes, settings.alert_interval_minutes):
        for planned in deployment.schedules or []:
            if isinstance(planned.schedule, CronSchedule):
                console.print(f"  {deployment.name}: {planned.schedule.cron} ({planned.schedule.timezone})")
            elif isinstance(planned.schedule, IntervalSchedule):
                console.print(f"  {deployment.name}: mỗi {planned.schedule.interval.total_seconds() / 60:g} phút")
    # Own sessions: a SIGTERM to our process group reaches only us, and we stop the children in order.
    runner = subprocess.Popen([sys.executable, "-m", "flows.serve"], preexec_fn=die_with_parent,
                              start_new_session=True)
    web_ui = None
    if web_port:
        # Quiet if stopped while importing; uvicorn puts its own handler in place once it serves.
        web_ui = subprocess.Popen([sys.executable, "-c", "from portalwatch.core.processes import quiet_until_ready; "
                                   "quiet_until_ready(); from portalwatch.cli import main; main()", "web",
                                   "--port", str(web_port)], preexec_fn=die_with_parent, start_new_session=True)
        console.print(f"Giao diện web: http://127.0.0.1:{web_port}/")

    try:
        runner.wait()
    except KeyboardInterrupt:  # Ctrl+C, or SIGTERM (main() makes it one): the runner first, then the servers
        console.print("Đang dừng các lịch chạy…")
        stop_gracefully(runner, SERVE_GRACE_SECONDS)
    finally:
        for child in (web_ui, server):
            if child:
                stop_gracefully(child, SERVE_GRACE_SECONDS)


@app.command()
def runs(data_dir: DataDir = None,
         limit: Annotated[int, typer.Option(help="Số lượt chạy hiển thị (tối đa 200).", max=200)] = 20) -> None:
    """Các lượt chạy gần đây (thu thập, xử lý, bản tin): trạng thái, bắt đầu, thời lượng và số liệu."""
    settings = _settings(data_dir)
    with RawArchive(settings.archive_db) as archive:
        recorded = archive.runs(limit)
    table = _folded_table(f"{len(recorded)} lượt chạy gần nhất", "Luồng", "Trạng thái", "Bắt đầu", "Thời lượng",
                          "Số liệu")
    for run in recorded:
        started = run.started_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S") if run.started_at else "—"
        took = f"{(run.ended_at - run.started_at).total_seconds():.1f} s" if run.started_at and run.ended_at else "—"
        table.add_row(run.flow or "—", RUN_STATES.get(run.state, run.state), started, took, terminal(run.counts))
    console.print(table)


saved_app = typer.Typer(help="Tìm kiếm đã lưu: bài mới khớp và tăng đột biến được gửi qua thư hoặc webhook.",
                        no_args_is_help=True)
app.add_typer(saved_app, name="saved")
alerts_app = typer.Typer(help="Cảnh báo trong ngày: xem các cảnh báo gần đây (mặc định) hoặc kiểm tra ngay.",
                         invoke_without_command=True)
app.add_typer(alerts_app, name="alerts")


@saved_app.command("add")
def saved_add(
    name: Annotated[str, typer.Argument(help="Tên tìm kiếm (thêm lại cùng tên để sửa).")],
    text: Annotated[str, typer.Argument(help="Từ khóa, cùng cú pháp với portalwatch search.")] = "",
    to: Annotated[list[str] | None, typer.Option(
        "--to", help="Người nhận: địa chỉ thư, webhook http(s)://… hoặc chat:http(s)://… (Slack, Mattermost, Teams)."
    )] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Mã chủ đề, ví dụ xay-dung-dang.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Mã nguồn.")] = None,
    province: Annotated[list[str] | None, typer.Option(help="Tỉnh, ví dụ \"Bình Giang\".")] = None,
    directive: Annotated[str | None, typer.Option(help="Số hiệu văn bản, ví dụ 35-CT/TW.")] = None,
    matches: Annotated[str, typer.Option(help="Bài mới khớp: hourly (mỗi lần kiểm tra), daily (gộp theo ngày), "
                                         "off (không gửi).")] = "hourly",
    spikes: Annotated[bool, typer.Option("--spikes/--no-spikes", help="Gửi cả cảnh báo tăng đột biến.")] = True,
    data_dir: DataDir = None,
) -> None:
    """Lưu một tìm kiếm và người nhận cảnh báo của nó."""
    from flows.alerting import SavedSearchError, saved_search
    from portalwatch.state.alerts import AlertLog

    settings = _settings(data_dir)
    query = SearchQuery(text=text, topics=topic or [], sources=source or [], provinces=province or [],
                        directive=directive_key(directive) if directive else None)
    _check_ids("--topic", "chủ đề", query.topics, _taxonomy(settings).names)
    _check_sources(settings, query.sources)
    try:
        search = saved_search(name, query, to or [], matches, spikes)
    except SavedSearchError as exc:
        raise typer.BadParameter(str(exc), param_hint={"recipients": "--to", "matches": "--matches"}.get(
            exc.field or "")) from exc
    with AlertLog(settings.alerts_db) as log:
        new = log.save_search(search)
    console.print(f"{'Đã lưu' if new else 'Đã cập nhật'} tìm kiếm «{markup(name)}».")


@saved_app.command("list")
def saved_list(data_dir: DataDir = None) -> None:
    """Các tìm kiếm đã lưu."""
    from portalwatch.core.alerts import MATCH_MODES
    from portalwatch.state.alerts import AlertLog

    settings = _settings(data_dir)
    with AlertLog(settings.alerts_db) as log:
        searches = log.saved_searches()
    if not searches:
        console.print("Chưa có tìm kiếm nào được lưu (thêm bằng portalwatch saved add).")
        return
    table = _folded_table(f"{len(searches)} tìm kiếm đã lưu", "Tên", "Điều kiện", "Người nhận", "Bài mới", "Đột biến")
    for search in searches:
        table.add_row(terminal(search.name), terminal(json.dumps(search.query, ensure_ascii=False)),
                      terminal("\n".join(search.recipients)), MATCH_MODES[search.matches],
                      "có" if search.spikes else "không")
    console.print(table)


@saved_app.command("rm")
def saved_rm(name: Annotated[str, typer.Argument(help="Tên tìm kiếm.")], data_dir: DataDir = None) -> None:
    """Xóa một tìm kiếm đã lưu."""
    from portalwatch.state.alerts import AlertLog

    settings = _settings(data_dir)
    with AlertLog(settings.alerts_db) as log:
        if not log.remove_search(name):
            raise ConfigError(f"Không có tìm kiếm đã lưu nào tên «{name}» (xem portalwatch saved list).")
    console.print(f"Đã xóa tìm kiếm «{markup(name)}».")


@saved_app.command("test")
def saved_test(name: Annotated[str, typer.Argument(help="Tên tìm kiếm.")], data_dir: DataDir = None) -> None:
    """Chạy thử một tìm kiếm đã lưu ngay bây giờ: in ra những gì sẽ được gửi, không gửi gì."""
    from flows.alerting import trial
    from portalwatch.reports.alert_delivery import render_text
    from portalwatch.state.alerts import AlertLog

    settings = _settings(data_dir)
    store = open_store(settings)
    try:
        with AlertLog(settings.alerts_db) as log:
            search = next((s for s in log.saved_searches() if s.name == name), None)
            if search is None:
                raise ConfigError(f"Không có tìm kiếm đã lưu nào tên «{name}» (xem portalwatch saved list).")
            alerts = trial(store, log, search, settings)
    finally:
        store.close()
    if not alerts:
        console.print(f"Không có gì mới để gửi cho «{markup(name)}».")
        return
    console.print(f"Sẽ gửi {len(alerts)} cảnh báo tới {markup(', '.join(search.recipients))}:\n", soft_wrap=True)
    console.print(terminal(render_text(alerts)), soft_wrap=True)


@alerts_app.callback()
def alerts(ctx: typer.Context, data_dir: DataDir = None,
           limit: Annotated[int, typer.Option(help="Số cảnh báo hiển thị (tối đa 500).", max=500)] = 30) -> None:
    """Các cảnh báo gần đây: gì, khi nào, gửi ai, đã gửi được chưa."""
    if ctx.invoked_subcommand:
        return
    from portalwatch.state.alerts import AlertLog

    settings = _settings(data_dir)
    with AlertLog(settings.alerts_db) as log:
        recent = log.recent(limit)
    if not recent:
        console.print("Chưa có cảnh báo nào (chạy portalwatch alerts check).")
        return
    from portalwatch.core.alerts import KIND_LABELS

    table = _folded_table(f"{len(recent)} lượt cảnh báo gần nhất", "Lúc", "Loại", "Nội dung", "Người nhận",
                          "Trạng thái")
    for d in recent:
        if d.recipient is None:
            status = "không có người nhận"
        elif d.delivered_at:
            status = f"đã gửi {d.delivered_at.astimezone(VN_TZ):%d/%m %H:%M}"
        else:
            status = f"chưa gửi được ({d.attempts} lần thử): {d.last_error}"
        table.add_row(f"{d.raised_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}", KIND_LABELS[d.alert.kind],
                      terminal(d.alert.title), terminal(d.recipient or "—"), terminal(status))
    console.print(table)


@alerts_app.command("check")
def alerts_check(data_dir: DataDir = None) -> None:
    """Chạy ngay các kiểm tra cảnh báo (đột biến, tìm kiếm đã lưu, khoảng trống kế hoạch, sức khỏe nguồn) và gửi."""
    settings = _settings(data_dir)
    _configuration(settings)
    from flows.alerting import check_alerts, summary
    from flows.runlog import recorded_run

    with recorded_run("portalwatch-alerts"):
        result = check_alerts()
    console.print(terminal(summary(result).replace("; ", "\n")))


def _folded_table(title: str, *columns: str) -> Table:
    """A table whose long cells wrap whole: ids, addresses and queries cut short would name nothing."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_healthy(api: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        if _healthy(api):
            return
        time.sleep(1)
    server.terminate()
    console.print("[bold red]Lỗi:[/bold red] máy chủ Prefect không khởi động được trong 120 giây; "
                  "xem <thư mục dữ liệu>/logs/prefect-server.log", soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def run(data_dir: DataDir = None,
        week: Annotated[str | None, typer.Option(help="Tuần của bản tin, ví dụ 2026-W47.")] = None) -> None:
    """Thu thập mọi nguồn trong danh mục nguồn, xử lý và viết bản tin tuần."""
    settings = _settings(data_dir)
    _configuration(settings)
    _week(week)
    api_ready = _flows_api(settings)
    from flows.pipeline import pipeline_flow
    api_ready()
    with _progress():
        result = pipeline_flow(week=week)
    for path in result["digest"].values():
        console.print(path)


@app.command()
def crawl(data_dir: DataDir = None,
          source: Annotated[list[str] | None, typer.Option(help="Chỉ thu thập nguồn này (lặp lại được).")] = None,
          delay: Annotated[float | None, typer.Option(help="Giãn cách giữa hai yêu cầu tới một trang (giây).")] = None,
          force: Annotated[bool, typer.Option("--force", help="Thu thập cả nguồn đang tạm hoãn vì lỗi liên tiếp.")]
          = False,
          ) -> None:
    """Thu thập bài mới và bài đã sửa từ các nguồn (bỏ qua bài đã có; tiếp tục lần thu thập bị ngắt)."""
    settings = _settings(data_dir)
    configured, _ = _configuration(settings)
    _check_ids("--source", "nguồn", source, [s.id for s in configured])
    api_ready = _flows_api(settings)
    from flows.pipeline import crawl_flow
    api_ready()
    with _progress():
        crawled = crawl_flow(delay, source, force)
    for source_id, stats in crawled.items():
        console.print(f"{source_id}: {json.dumps(stats.model_dump(mode='json'), ensure_ascii=False)}")


@app.command()
def process(data_dir: DataDir = None) -> None:
    """Trích xuất, làm sạch, gộp bài trùng và gắn chủ đề cho các trang mới thu thập hoặc vừa thay đổi."""
    settings = _settings(data_dir)
    _configuration(settings)
    api_ready = _flows_api(settings)
    from flows.pipeline import describe, process_flow
    api_ready()
    with _progress():
        report = process_flow()
    console.print(describe(report))


@app.command()
def reprocess(data_dir: DataDir = None) -> None:
    """Dựng lại mọi bài từ kho trang gốc, không thu thập lại (sau khi sửa bộ trích xuất hay bộ chọn CSS)."""
    settings = _settings(data_dir)
    _configuration(settings)
    api_ready = _flows_api(settings)
    from flows.pipeline import describe, process_flow
    api_ready()
    with _progress():
        report = process_flow(full=True)
    console.print(describe(report))


@app.command()
def retag(data_dir: DataDir = None) -> None:
    """Gắn lại chủ đề cho mọi bài trong kho sau khi sửa bộ chủ đề (không thu thập lại)."""
    settings = _settings(data_dir)
    taxonomy = _taxonomy(settings)
    from flows.retagging import retag_store
    from flows.runlog import recorded_run

    store = open_store(settings)
    try:
        with recorded_run("portalwatch-retag"):  # without starting Prefect: seconds, not a server start-up
            report = retag_store(store, taxonomy)
    finally:
        store.close()
    console.print(f"Đã xem {report.articles} bài, {report.changed} bài đổi chủ đề.")


@app.command()
def extract(files: Annotated[list[Path], typer.Argument(help="Các tệp HTML.", exists=True, dir_okay=False)]) -> None:
    """Trích xuất từng tệp HTML: in một dòng JSON gồm tên tệp, tiêu đề, ngày đăng, tác giả và nội dung."""
    from pipelines.extract import ExtractionError
    from pipelines.extract import extract as extract_page

    for path in files:
        try:
            found = extract_page(path.read_bytes())
        except ExtractionError as exc:
            print(json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False))
            continue
        print(json.dumps({
            "file": str(path), "title": found.title,
            "published_at": found.published_at.isoformat() if found.published_at else None,
            "author": found.author, "attribution": found.attribution, "lead": found.lead,
            "body": "\n\n".join(found.paragraphs),
        }, ensure_ascii=False))


@app.command()
def tag(
    text: Annotated[str | None, typer.Argument(help="Văn bản, đường dẫn tệp, hoặc - để đọc từ stdin.")] = None,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help="Đầu vào là JSON Lines {\"id\", \"text\"}, có thể kèm \"title\" và \"section\".")] = False,
    title: Annotated[str, typer.Option("--title", help="Tiêu đề bài (nặng ký hơn thân bài).")] = "",
    section: Annotated[str, typer.Option("--section", help="Chuyên mục của trang, ví dụ \"Xây dựng Đảng\".")] = "",
    data_dir: DataDir = None,
) -> None:
    """Gắn chủ đề cho một văn bản (kèm căn cứ), hoặc cho từng dòng JSON Lines với --jsonl."""
    from pipelines.tagging import load_taxonomy, tag_plain_text

    settings = _settings(data_dir)
    taxonomy = load_taxonomy(settings.taxonomy)
    if text is None or text == "-":
        source = sys.stdin.read()
    elif Path(text).is_file():
        source = Path(text).read_text(encoding="utf-8")
    else:
        source = text

    def topics_of(item: str, item_title: str = title, item_section: str = section) -> list:
        return tag_plain_text(taxonomy, item, item_title, section=item_section)

    if jsonl:
        for number, line in enumerate(source.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                topics = topics_of(str(item["text"]), str(item.get("title") or ""), str(item.get("section") or ""))
            except (ValueError, KeyError, TypeError) as exc:
                print(json.dumps({"line": number, "error": f"dòng không hợp lệ: {exc}"}, ensure_ascii=False))
                continue
            print(json.dumps({"id": item.get("id"), "topics": [t.topic_id for t in topics]}, ensure_ascii=False))
        return
    table = Table(title="Chủ đề")
    for column in ("Chủ đề", "Điểm", "Căn cứ", "Văn bản chỉ đạo"):
        table.add_column(column)
    for found in topics_of(source):
        evidence = [", ".join(found.phrases)] if found.phrases else []
        evidence += [f"chuyên mục: {found.section}"] if found.section else []
        if found.learned is not None:
            evidence.append(f"mô hình học {found.learned:.0%}: {', '.join(found.terms)}")
        table.add_row(f"{found.topic_id}\n{taxonomy.names[found.topic_id]}", f"{found.score:g}",
                      markup("\n".join(evidence)), ", ".join(found.directives))
    console.print(table)


@app.command()
def reindex(data_dir: DataDir = None) -> None:
    """Dựng lại chỉ mục tìm kiếm từ bản ghi bài viết (kho nhúng), hoặc dựng phiên bản chỉ mục Elasticsearch
    mới theo index_mappings/ và chuyển alias sang, không gián đoạn."""
    settings = _settings(data_dir)
    if not settings.es_url:
        from portalwatch.store.sqlite import SQLiteStore

        embedded = SQLiteStore(settings.store_path)
        try:
            with console.status("Đang dựng lại chỉ mục tìm kiếm từ bản ghi…"):
                indexed = embedded.rebuild()
        finally:
            embedded.close()
        console.print(f"Đã dựng lại chỉ mục tìm kiếm: {indexed} bài.")
        return
    from portalwatch.store.elastic import ElasticStore

    store = ElasticStore(settings)
    try:
        old, new = store.reindex()
    finally:
        store.close()
    console.print(f"Alias {settings.es_alias}: {old} → {new}. Chỉ mục cũ {old} vẫn giữ lại; xóa khi không cần.")


@app.command()
def digest(data_dir: DataDir = None,
           week: Annotated[str | None, typer.Option(help="Tuần ISO, ví dụ 2026-W47 (mặc định: tuần mới nhất).")] = None,
           email: Annotated[bool, typer.Option("--email", help="Gửi thư tới PORTALWATCH_MAIL_TO.")] = False,
           ) -> None:
    """Viết bản tin tuần (HTML, Markdown, số liệu JSON và CSV); --email để gửi thư."""
    settings = _settings(data_dir)
    _configuration(settings)
    _week(week)
    if email and not (settings.smtp_host and recipients(settings)):
        raise MailError("Chưa cấu hình gửi thư: đặt PORTALWATCH_SMTP_HOST và PORTALWATCH_MAIL_TO "
                        "(xem portalwatch check).")
    # The flow's own steps, without starting Prefect: a one-shot answer in seconds, recorded as a run.
    from flows.digesting import latest_week, write_weekly_digest
    from flows.runlog import recorded_run

    with recorded_run("portalwatch-digest"):
        written = write_weekly_digest(week or latest_week(), email)
    for kind, value in written.items():
        console.print(f"Đã gửi tới: {value}" if kind == "email" else value)


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Từ khóa, có hoặc không dấu. \"cụm từ\" trong ngoặc kép; a | b: a hoặc b;"
                                         " -từ: loại trừ; (…): nhóm. Các phép tính theo thứ tự trái sang phải.")] = "",
    topic: Annotated[list[str] | None, typer.Option(help="Mã chủ đề, ví dụ xay-dung-dang.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Mã nguồn.")] = None,
    province: Annotated[list[str] | None, typer.Option(help="Tỉnh, ví dụ \"Bình Giang\".")] = None,
    directive: Annotated[str | None, typer.Option(help="Số hiệu văn bản, ví dụ 35-CT/TW.")] = None,
    since: Annotated[str | None, typer.Option(help="Từ ngày (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Đến ngày (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(help="Số bài hiển thị.")] = 20,
    interval: Annotated[str, typer.Option(help="Biểu đồ số bài theo day (ngày) hoặc week (tuần).")] = "day",
    format: Annotated[str, typer.Option(
        "--format", help="table, json, hoặc csv (mọi bài khớp, mới nhất trước, không theo --limit).")] = "table",
    output: Annotated[Path | None, typer.Option(help="Ghi csv vào tệp này (UTF-8 có BOM, mở thẳng bằng Excel).")
                      ] = None,
    cursor: Annotated[str | None, typer.Option(help="Mã trang sau, in ra ở cuối trang trước (next_cursor).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Tìm bài viết theo từ khóa, chủ đề, nguồn và thời gian; kèm số bài theo chủ đề và nguồn."""
    settings = _settings(data_dir)
    try:
        first, last = (date.fromisoformat(since) if since else None), (date.fromisoformat(until) if until else None)
    except ValueError as exc:
        raise typer.BadParameter(f"ngày phải có dạng YYYY-MM-DD: {exc}") from exc
    if first and last and first > last:
        raise typer.BadParameter(f"--since {since} sau --until {until}: không có ngày nào ở giữa; đổi chỗ hai ngày.")
    try:
        query = SearchQuery(text=text, topics=topic or [], sources=source or [], provinces=province or [],
                            directive=directive_key(directive) if directive else None, since=first, until=last,
                            limit=limit,
                            interval=cast(Interval, interval),  # pydantic refuses any other value
                            cursor=cursor)
    except ValueError as exc:
        raise typer.BadParameter(f"--interval phải là day hoặc week: {exc}") from exc
    if format not in ("table", "json", "csv"):
        raise typer.BadParameter(f"--format phải là table, json hoặc csv, không phải {format!r}")
    names = _taxonomy(settings).names
    _check_ids("--topic", "chủ đề", query.topics, names)
    _check_sources(settings, query.sources)
    store = open_store(settings)
    try:
        if format == "csv":
            with open(output, "w", encoding="utf-8-sig", newline="") if output else nullcontext(sys.stdout) as out:
                rows = write_csv(out, store.scan(query))
            if output:
                console.print(f"Đã ghi {rows} bài vào {output}")
            return
        result = store.search(query)
    finally:
        store.close()
    if format == "json":
        print(json.dumps({
            "total": result.total, "stories": result.stories, "topic_counts": result.topic_counts,
            "source_counts": result.source_counts, "histogram": result.histogram,
            "hits": [{"score": h.score, "snippet": h.snippet, **h.article.model_dump(mode="json")}
                     for h in result.hits],
            "next_cursor": result.next_cursor,
        }, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{result.total} bài ({result.stories} tin)[/bold]" if result.total else
                  "Không có bài nào khớp điều kiện tìm.")
    for number, hit in enumerate(result.hits, 1):
        a = hit.article
        topics = ", ".join(a.topic_ids) or "chưa gắn chủ đề"  # ids: names are long; the table below has them
        console.print(Text.assemble(f"\n{number:>3}. ", terminal(a.title, "bold")))
        console.print(Text(f"     {a.source_id} · {a.published_at:%d/%m/%Y %H:%M} · {topics}", style="dim"))
        console.print(terminal(f"     {a.url}", "cyan"), soft_wrap=True)
        console.print(Text.assemble("     ", _marked(hit.snippet)))
    if result.topic_counts:
        counts = Table(title="Số bài theo chủ đề")
        for column in ("Chủ đề", "Mã", "Số bài"):
            counts.add_column(column, justify="right" if column == "Số bài" else "left")
        for topic_id, n in result.topic_counts.items():
            counts.add_row(names.get(topic_id, topic_id), topic_id, str(n))
        console.print(counts)
    if result.source_counts:
        sources = Table(title="Số bài theo nguồn")
        sources.add_column("Nguồn")
        sources.add_column("Số bài", justify="right")
        for source_id, n in result.source_counts.items():
            sources.add_row(source_id, str(n))
        console.print(sources)
    if result.next_cursor:
        console.print(f"Trang sau: chạy lại lệnh với --cursor {result.next_cursor}", soft_wrap=True)


def _marked(snippet: str) -> Text:
    """A store's HTML snippet (escaped text, matches in <mark>) as terminal text with the matches highlighted."""
    text = Text()
    for piece, matched in snippet_pieces(snippet):
        text.append(piece, style="bold yellow" if matched else "")
    return text


@app.command()
def check(data_dir: DataDir = None) -> None:
    """Kiểm tra cấu hình (nguồn, chủ đề, kế hoạch, cài đặt) và kết nối tới kho, máy chủ thư, Prefect; không thu thập."""
    settings = _settings(data_dir)
    table = Table(title="Kiểm tra cấu hình")
    for column in ("Mục", "Kết quả", "Chi tiết"):
        table.add_column(column, overflow="fold")
    failed = 0

    def row(name: str, probe: "Callable[[], str]") -> None:
        nonlocal failed
        try:
            table.add_row(name, "[green]được[/green]", terminal(probe()))
        except (ConfigError, StoreError, MailError, OSError) as exc:
            failed += 1
            table.add_row(name, "[bold red]lỗi[/bold red]", terminal(str(exc)))

    sources: list[Source] = []

    def registry() -> str:
        sources.extend(load_sources(settings.sources_file))
        return f"{settings.sources_file}: {len(sources)} nguồn"

    def taxonomy() -> str:
        loaded = _taxonomy(settings)
        learned = (f"mô hình học cho {len(loaded.model.topic_ids)} chủ đề" if loaded.model
                   else "không dùng mô hình học")
        return f"{settings.taxonomy}: {len(loaded.names)} chủ đề; {learned}"

    def plans() -> str:
        known = set(_taxonomy(settings).names)
        found = load_plans(settings.plans_file, known, {s.id for s in sources} if sources else None)
        return f"{settings.plans_file}: {len(found)} kế hoạch" if settings.plans_file.exists() else "chưa có kế hoạch"

    def store() -> str:
        if not settings.es_url:
            open_store(settings).close()  # creates or opens the file: the data directory is writable
            return f"kho nhúng SQLite {settings.store_path}"
        from portalwatch.store.elastic import ElasticStore

        engine = ElasticStore(settings)
        try:
            return f"{settings.es_url}: {engine.server()}"
        finally:
            engine.close()

    def mail() -> str:
        if not settings.smtp_host:
            return "chưa cấu hình (không gửi thư)"
        from portalwatch.reports.mailer import smtp_session

        with smtp_session(settings):
            return f"{settings.smtp_host}:{settings.smtp_port}, gửi tới {settings.mail_to or '(chưa có người nhận)'}"

    def prefect() -> str:
        api = os.environ.get("PREFECT_API_URL")
        if not api:
            return "máy chủ tạm thời cục bộ (không cần cấu hình)"
        if not _healthy(api):
            raise OSError(f"không kết nối được máy chủ Prefect {api}")
        return api

    for name, probe in (("Danh mục nguồn", registry), ("Bộ chủ đề", taxonomy), ("Kế hoạch tuyên truyền", plans),
                        ("Kho bài viết", store), ("Thư điện tử", mail), ("Prefect", prefect)):
        row(name, probe)
    console.print(table)
    if failed:
        raise typer.Exit(2)


@app.command()
def skips(source: Annotated[list[str] | None, typer.Option(help="Chỉ nguồn này (mã nguồn).")] = None,
          data_dir: DataDir = None) -> None:
    """Liệt kê các trang bị bỏ qua khi thu thập hoặc xử lý, kèm lý do."""
    settings = _settings(data_dir)
    _check_sources(settings, source)
    with RawArchive(settings.archive_db) as archive:
        rows = [s for s in archive.skips() if not source or s.source_id in source]
    table = Table(title=f"{len(rows)} trang bị bỏ qua")
    for column in ("Giai đoạn", "Nguồn", "Địa chỉ", "Lý do", "Ghi lúc"):
        table.add_column(column, overflow="fold")  # a cut URL cannot be opened
    for s in rows:
        table.add_row("thu thập" if s.stage == "crawl" else "xử lý", s.source_id, terminal(s.url), terminal(s.reason),
                      f"{s.recorded_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}")
    console.print(table)


@app.command()
def sources(data_dir: DataDir = None) -> None:
    """Tình trạng từng nguồn: lần thu thập gần nhất, liên kết bài so với thường lệ, lỗi; lần thu thập tới và lý do."""
    from portalwatch.state.cadence import schedule
    from portalwatch.state.health import HealthLog

    settings = _settings(data_dir)
    table = Table(title="Tình trạng các nguồn")
    for column in ("Nguồn", "Lần gần nhất", "Tình trạng", "Lần tốt gần nhất", "Liên kết bài (thường lệ)",
                   "Bài mới", "Lỗi", "Lỗi gần nhất", "Lần tới", "Vì sao"):
        table.add_column(column, overflow="fold")
    problems = 0
    now = datetime.now(UTC)
    configured = load_sources(settings.sources_file)
    with HealthLog(settings.archive_db) as health:
        upcoming = {n.source_id: n for n in schedule(configured, health)}
        for source in configured:
            state, planned = health.summary(source.id), upcoming[source.id]
            when = "ngay" if planned.due(now) else f"{planned.due_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}"
            last, good, usual = state.last, state.last_good, state.usual_links
            if last is None:
                table.add_row(source.id, state.status, "", "", "", "", "", "", when, terminal(planned.reason))
                continue
            problems += state.problem
            table.add_row(source.id, f"{last.started_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}",
                          terminal(state.status),
                          f"{good.started_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}" if good else "chưa có",
                          f"{last.stats.links_found} ({usual:g})" if usual else str(last.stats.links_found),
                          str(last.stats.new_articles + last.stats.changed_articles), str(last.stats.failures),
                          terminal(last.stats.last_error), when, terminal(planned.reason),
                          style="red" if state.problem else None)
    console.print(table)
    if problems:
        raise typer.Exit(1)


@app.command()
def history(url: Annotated[str, typer.Argument(help="Địa chỉ bài viết.")], data_dir: DataDir = None) -> None:
    """Các phiên bản đã lưu của một bài (khi nguồn sửa bài): thời điểm tải, tiêu đề, độ dài, thay đổi."""
    from portalwatch.reports.revisions import article_versions

    settings = _settings(data_dir)
    versions = article_versions(settings.archive_db, settings.sources_file, url)
    if not versions:
        console.print(terminal(f"Không có trang {url} trong kho trang gốc."))
        raise typer.Exit(1)
    for version in versions:
        line = f"{version.title} — {version.characters} ký tự" if not version.error else \
            f"(không trích xuất được: {version.error})"
        if change := version.change:
            line += (" — đổi tiêu đề" if change.title_changed else "") + \
                f" — thêm {change.words_added} từ, bớt {change.words_removed} từ"
        console.print(terminal(f"{version.fetched_at.astimezone(VN_TZ):%d/%m/%Y %H:%M:%S}  {line}"))


@app.command()
def fixtures(data_dir: DataDir = None) -> None:
    """Phục vụ các cổng tin mẫu trên 127.0.0.1 cho tới khi nhấn Ctrl+C."""
    settings = _settings(data_dir)
    from portalwatch.fixture_portals.server import serve_fixture_portals
    with serve_fixture_portals(ports=DEMO_PORTS) as portals:
        portals.write_registry(settings.sources_file)
        console.print(f"Cổng tin mẫu: {', '.join(portals.base_urls.values())}; danh mục nguồn: {settings.sources_file}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@app.command()
def web(data_dir: DataDir = None,
        host: Annotated[str, typer.Option(help="Địa chỉ nghe; khác 127.0.0.1 thì phải có người dùng hoặc mã "
                                               "truy cập API (portalwatch users).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Cổng của giao diện web.")] = 8300) -> None:
    """Giao diện web: tìm kiếm, xem bài viết, tải CSV, và API JSON dưới /api/v1."""
    settings = _settings(data_dir, console_logs=True)
    from portalwatch.web.auth import authenticating, is_loopback

    if not is_loopback(host) and not authenticating(settings.users_file, settings.tokens_file):
        raise typer.BadParameter(f"{host} không phải địa chỉ nội bộ: thêm người dùng (portalwatch users add TÊN "
                                 "--role admin) hoặc mã truy cập API (portalwatch users token add TÊN) trước, để ai "
                                 "truy cập cũng phải xác thực.", param_hint="--host")
    import uvicorn

    from portalwatch.web.app import create_app

    console.print(f"Giao diện web: http://{host}:{port}/ (Ctrl+C để dừng)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


users_app = typer.Typer(help="Người dùng giao diện web (mật khẩu lưu dạng băm scrypt) và mã truy cập API.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="Mã truy cập API (Authorization: Bearer …), chỉ lưu dạng băm SHA-256.",
                         no_args_is_help=True)
users_app.add_typer(tokens_app, name="token")


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
              role: Annotated[str, typer.Option(help="reader (chỉ đọc) hoặc admin (quản trị).")] = "reader",
              data_dir: DataDir = None) -> None:
    """Thêm người dùng, hoặc đổi mật khẩu và vai trò của người đã có (hỏi mật khẩu hai lần)."""
    from portalwatch.web.auth import ROLES, Users

    checked = _role(role)
    password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    with _refused_as_bad_parameter():
        Users(_settings(data_dir).users_file).add(name, password, checked)
    console.print(terminal(f"Đã lưu người dùng {name} ({ROLES[role]})."))


def _role(role: str) -> "Role":
    from portalwatch.web.auth import ROLES

    if role not in ROLES:
        raise typer.BadParameter(f"vai trò phải là reader hoặc admin, không phải {role!r}", param_hint="--role")
    return cast("Role", role)


@contextmanager
def _refused_as_bad_parameter() -> Iterator[None]:
    """A users or tokens file change refused (bad name, short password, unknown entry): the option's error."""
    from portalwatch.web.auth import UsersError

    try:
        yield
    except UsersError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _remove(entries: "Users | Tokens", name: str, done: str) -> None:
    with _refused_as_bad_parameter():
        entries.remove(name)
    console.print(terminal(done))


@users_app.command("rm")
def users_rm(name: Annotated[str, typer.Argument(help="Tên đăng nhập.")], data_dir: DataDir = None) -> None:
    """Xóa người dùng (phiên đang mở của họ hết hiệu lực khi máy chủ web khởi động lại)."""
    from portalwatch.web.auth import Users

    _remove(Users(_settings(data_dir).users_file), name, f"Đã xóa người dùng {name}.")


@users_app.command("list")
def users_list(data_dir: DataDir = None) -> None:
    """Liệt kê người dùng và vai trò."""
    from portalwatch.web.auth import ROLES, Users

    table = Table(title="Người dùng giao diện web")
    table.add_column("Tên đăng nhập")
    table.add_column("Vai trò")
    for user in Users(_settings(data_dir).users_file).list():
        table.add_row(terminal(user.name), ROLES[user.role])
    console.print(table)


@tokens_app.command("add")
def token_add(name: Annotated[str, typer.Argument(help="Tên mã, ví dụ he-thong-bao-cao.")],
              role: Annotated[str, typer.Option(help="reader (chỉ đọc) hoặc admin (quản trị).")] = "reader",
              data_dir: DataDir = None) -> None:
    """Tạo mã truy cập API mới (thay mã cũ cùng tên) và in ra một lần duy nhất."""
    from portalwatch.web.auth import ROLES, Tokens

    checked = _role(role)
    with _refused_as_bad_parameter():
        token = Tokens(_settings(data_dir).tokens_file).add(name, checked)
    console.print(terminal(f"Mã truy cập {name} ({ROLES[role]}), chỉ hiện lần này; gửi kèm mỗi yêu cầu API dạng "
                           "«Authorization: Bearer MÃ»:"))
    print(token)  # alone on its line, unwrapped, for copying


@tokens_app.command("list")
def token_list(data_dir: DataDir = None) -> None:
    """Liệt kê mã truy cập API (tên, vai trò, ngày tạo; không bao giờ hiện lại mã)."""
    from portalwatch.web.auth import ROLES, Tokens

    table = Table(title="Mã truy cập API")
    for column in ("Tên", "Vai trò", "Tạo lúc"):
        table.add_column(column)
    for token in Tokens(_settings(data_dir).tokens_file).list():
        table.add_row(terminal(token.name), ROLES[token.role], f"{token.created_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}")
    console.print(table)


@tokens_app.command("rm")
def token_rm(name: Annotated[str, typer.Argument(help="Tên mã.")], data_dir: DataDir = None) -> None:
    """Thu hồi một mã truy cập API (hết hiệu lực ngay)."""
    from portalwatch.web.auth import Tokens

    _remove(Tokens(_settings(data_dir).tokens_file), name, f"Đã thu hồi mã truy cập {name}.")


# Typer's and Click's own words, in Vietnamese: its usage errors become our one error line.
_TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số", "OPTIONS_PANEL_TITLE": "Tùy chọn", "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi", "DEFAULT_STRING": "[mặc định: {}]", "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]", "ABORTED_TEXT": "Đã hủy.", "DEPRECATED_STRING": "(không dùng nữa) ",
    "RICH_HELP": "Xem [blue]'{command_path} {help_option}'[/] để biết cách dùng.",
}
_USAGE_ERRORS = [  # (English pattern, Vietnamese), tried in order on the error's whole message
    (r"Invalid value for (.+?): ", r"giá trị không hợp lệ cho \1: "),
    (r"Invalid value: ", "giá trị không hợp lệ: "),
    (r"Missing (?:option|parameter) (.+)\.", r"thiếu tùy chọn \1"),
    (r"Missing argument (.+)\.", r"thiếu tham số \1"),
    (r"No such option: (\S+)(?: \(Possible options: (.+)\))?", r"không có tùy chọn \1 (các tùy chọn gần giống: \2)"),
    (r"No such command (.+)\.", r"không có lệnh \1"),
    (r"Got unexpected extra arguments?(?:\(s\))? \((.+)\)", r"thừa tham số: \1"),
    (r"Option (.+) requires an argument\.", r"tùy chọn \1 cần một giá trị"),
    (r"Input should be a valid integer.*", "phải là số nguyên"),
    (r"Input should be a valid number.*", "phải là số"),
    (r"Input should be less than or equal to (\S+)", r"tối đa là \1"),
    (r"Input should be greater than or equal to (\S+)", r"tối thiểu là \1"),
    (r"'(.*)' is not a valid integer\.", r"'\1' không phải số nguyên"),
    (r"'(.*)' is not a valid float\.", r"'\1' không phải số"),
    (r"(?:File|Path) '(.*)' does not exist\.", r"không có tệp '\1'"),
]


def _usage_error(error: Exception) -> None:
    """Typer's usage errors (unknown command or option, a bad value) as one Vietnamese line, like every
    other error; Typer prints its own English box otherwise."""
    if type(error).__name__ == "NoArgsIsHelpError":  # the help was printed: nothing is wrong
        return
    message = str(getattr(error, "format_message", lambda: str(error))())
    for english, vietnamese in _USAGE_ERRORS:
        message = re.sub(english, vietnamese, message)
    message = message.replace(" (các tùy chọn gần giống: )", "")
    ctx = getattr(error, "ctx", None)
    _fail(message + (f" (xem {ctx.command_path} --help)" if ctx is not None else ""))


def _typer_in_vietnamese() -> None:
    from typer import rich_utils
    from typer._click import core, formatting

    for name, words in _TYPER_WORDS.items():
        setattr(rich_utils, name, words)
    rich_utils.rich_format_error = _usage_error  # type: ignore[assignment]
    # Typer's copy of Click writes these two itself, in English only: the usage line's prefix and the
    # --help option's own help.
    write_usage = formatting.HelpFormatter.write_usage

    def usage_in_vietnamese(self: formatting.HelpFormatter, prog: str, args: str = "",
                            prefix: str | None = None) -> None:
        write_usage(self, prog, args, "Cách dùng: " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = usage_in_vietnamese  # type: ignore[method-assign]
    help_option = core.Command.get_help_option

    def help_option_in_vietnamese(self: core.Command, ctx: core.Context) -> Any:
        option = help_option(self, ctx)
        if option is not None:
            option.help = "Hiện hướng dẫn này rồi thoát."
        return option

    core.Command.get_help_option = help_option_in_vietnamese  # type: ignore[method-assign]


def main() -> None:
    """Console entry point: every failure ends in one line naming the cause (and the fix, or the log file)."""
    # SIGTERM (a service manager, `kill`) stops a command as Ctrl+C does: children stopped, work kept.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _typer_in_vietnamese()
    try:
        app()
    except (StoreError, MailError, ConfigError, Busy, ApiServerError, StateUnavailable) as exc:
        _fail(str(exc))
        sys.exit(2)
    except SystemExit as exc:
        if exc.code == 130:  # Typer's answer to Ctrl+C or SIGINT
            console.print("Đã dừng theo yêu cầu; phần đã làm xong được giữ lại, lần chạy sau làm tiếp.")
        raise
    except Exception as exc:  # anything else: the details go to the log file, not the terminal
        details = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(sys.argv)}\n" + "".join(
            traceback.format_exception(exc))
        try:
            log = log_file(get_settings())
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as out:
                out.write(details)
            where = f"chi tiết trong {log}"
        except (OSError, ConfigError):  # the data directory itself is what failed
            where = "không ghi được nhật ký vào thư mục dữ liệu"
        _fail(f"{type(exc).__name__}: {exc} ({where})")
        sys.exit(1)


def _fail(message: str) -> None:
    console.print(Text.assemble(("Lỗi: ", "bold red"), terminal(" ".join(message.split()))), soft_wrap=True)
