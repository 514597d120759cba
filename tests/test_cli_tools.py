"""The commands users tune sources and the taxonomy with: extract, tag, retag; and what one-shot commands import."""

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.retagging import retag_store
from pipelines.tagging import load_taxonomy
from portalwatch.cli import app
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.normalize import normalize_text
from portalwatch.fixture_portals.server import MALFORMED, FixturePortals, ProvincialPortal, WordPressNews
from portalwatch.store.base import SearchQuery
from portalwatch.store.sqlite import SQLiteStore
from tests.support import PipelineRun, load_labelled

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)


def test_extract_prints_one_json_line_per_file(tmp_path: Path) -> None:
    portal, news = ProvincialPortal("http://a.test", TODAY), WordPressNews("http://b.test", TODAY)
    pages = {"portal.html": (portal, portal.articles[0]), "news.html": (news, news.articles[0])}
    for name, (site, article) in pages.items():
        (tmp_path / name).write_bytes(site.route(site.href(article), {}).body)
    (tmp_path / "broken.html").write_bytes(portal.route(f"/tin-tuc/xa-hoi/x-{MALFORMED}.html", {}).body)
    files = [str(tmp_path / n) for n in ("portal.html", "news.html", "broken.html")]
    result = CliRunner().invoke(app, ["extract", *files])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == files
    for line, (site, article) in zip(lines, pages.values(), strict=False):
        assert line["title"] == normalize_text(article.title)
        assert line["published_at"] == site.published(article).isoformat()
        assert line["author"] == article.author
        assert "Email của bạn" not in line["body"]
    assert "không trích xuất được nội dung" in lines[2]["error"]


def test_tag_jsonl_answers_every_line_in_order() -> None:
    items = load_labelled()[:40]
    lines = [json.dumps({"id": item["id"], "text": f"{item['title']}\n\n{item['text']}"}, ensure_ascii=False)
             for item in items]
    result = CliRunner().invoke(app, ["tag", "--jsonl", "-"], input="\n".join([*lines, "{broken"]) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o.get("id") for o in out[:-1]] == [item["id"] for item in items]
    assert "error" in out[-1]
    agree = sum(set(o["topics"]) == set(item["topics"]) for o, item in zip(out, items, strict=False))
    assert agree >= 0.8 * len(items)


def test_tag_explains_its_topics() -> None:
    text = ("Sơ kết Chỉ thị 05-CT/TW.\n\n"
            "Các chi bộ đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.")
    result = CliRunner().invoke(app, ["tag", text])
    assert result.exit_code == 0
    assert "hoc-tap-lam-theo-bac" in result.output and "05-CT/TW" in result.output


def test_retag_applies_a_taxonomy_edit_to_the_stored_articles(pipeline_run: PipelineRun, tmp_path: Path) -> None:
    shutil.copy(pipeline_run.settings.store_path, tmp_path / "store.db")
    store = SQLiteStore(tmp_path / "store.db")
    tagged = store.search(SearchQuery(topics=["bau-cu"], limit=0)).total
    assert tagged > 0
    edited = yaml.safe_load((PACKAGE_DIR / "taxonomy.yaml").read_text(encoding="utf-8"))
    edited["topics"] = [t for t in edited["topics"] if t["id"] != "bau-cu"]
    (tmp_path / "taxonomy.yaml").write_text(yaml.safe_dump(edited, allow_unicode=True), encoding="utf-8")
    report = retag_store(store, load_taxonomy(tmp_path / "taxonomy.yaml"))
    assert report.articles == store.count()
    assert report.changed == tagged
    assert store.search(SearchQuery(topics=["bau-cu"], limit=0)).total == 0
    assert retag_store(store, load_taxonomy(tmp_path / "taxonomy.yaml")).changed == 0
    store.close()


@pytest.mark.parametrize("text", ["", "   "])
def test_tag_of_empty_text_has_no_topics(text: str) -> None:
    result = CliRunner().invoke(app, ["tag", "-"], input=text)
    assert result.exit_code == 0
    assert "bau-cu" not in result.output


@pytest.mark.parametrize("command", [["digest"], ["retag"], ["runs"], ["sources"], ["skips"], ["search", "dang"]])
def test_one_shot_commands_import_neither_prefect_nor_the_dedup_engine_nor_the_learned_model(
        tmp_path: Path, portals: FixturePortals, command: list[str]) -> None:
    # Importing Prefect costs about a second and datasketch (scipy) half of one: a digest took 3 s with them;
    # scikit-learn (and training the topic model) another second, needed only when something is tagged.
    portals.write_registry(tmp_path / "sources.yaml")
    probe = ("import sys\nfrom portalwatch.cli import main\nsys.argv = ['portalwatch', *sys.argv[1:]]\n"
             "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
             "heavy = {'prefect', 'datasketch', 'sklearn'}\n"
             "print('IMPORTED', sorted({m.split('.')[0] for m in sys.modules} & heavy), code)")
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path)}
    env.pop("PORTALWATCH_ES_URL", None)
    done = subprocess.run([sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stdout.splitlines()[-1] in ("IMPORTED [] 0", "IMPORTED [] 1"), done.stdout + done.stderr


def test_search_refuses_a_window_that_ends_before_it_starts() -> None:
    # No --data-dir: the command would set it for the rest of this test process.
    result = CliRunner().invoke(app, ["search", "dang", "--since", "2026-11-20", "--until", "2026-11-01"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "--since 2026-11-20 sau --until 2026-11-01" in result.output
