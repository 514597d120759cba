"""The package as users install it (a built wheel, not the source tree) finds its own data files."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed; its dependencies are this venv's (no download)."""
    root = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools leaves build/ in the tree it builds, and a stale one would hide a missing file.
    source = root / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                                 ".engine", "data", ".*_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"),
                    str(source)], check=True, cwd=root)
    (wheel,) = (root / "dist").glob("portalwatch-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True)
    # A plain path line, not a site dir: the development venv's .pth files (its editable finder among
    # them) are not run, so portalwatch can only come from the wheel.
    site = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return venv


def run(venv: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Run from an empty directory so the source tree is not on sys.path.
    cwd = venv.parent / "elsewhere"
    cwd.mkdir(exist_ok=True)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False,
                          env={**os.environ, "PORTALWATCH_DATA_DIR": str(venv.parent / "data"), **(env or {})})


def test_wheel_ships_the_index_template(installed: Path) -> None:
    done = run(installed, installed / "bin" / "python", "-c",
               "import json, portalwatch; from portalwatch.store.elastic import load_template;"
               "print(json.dumps([portalwatch.__file__, load_template('articles')]))")
    assert done.returncode == 0, done.stderr
    module_file, template = json.loads(done.stdout)
    assert str(installed) in module_file and str(REPO) not in module_file
    shipped = json.loads((REPO / "index_mappings" / "articles.json").read_text(encoding="utf-8"))
    assert template["template"]["mappings"] == shipped["template"]["mappings"]
    assert template["index_patterns"] == ["articles-v*"]


def test_wheel_command_puts_the_template_on_the_engine(installed: Path, engine_url: str) -> None:
    """`portalwatch search` against an engine puts the index template first: it must be in the wheel."""
    from elasticsearch import Elasticsearch

    alias = f"pwwheel-{uuid.uuid4().hex[:10]}"
    try:
        done = run(installed, installed / "bin" / "portalwatch", "search", "xây dựng Đảng",
                   env={"PORTALWATCH_ES_URL": engine_url, "PORTALWATCH_ES_ALIAS": alias})
        assert done.returncode == 0, done.stdout + done.stderr
        es = Elasticsearch(engine_url)
        assert es.indices.exists_index_template(name=f"{alias}-template")
        assert es.indices.exists_alias(name=alias)
    finally:
        es = Elasticsearch(engine_url)
        es.indices.delete(index=f"{alias}-v*", ignore_unavailable=True, allow_no_indices=True)
        es.options(ignore_status=404).indices.delete_index_template(name=f"{alias}-template")
        es.close()


def test_wheel_command_reads_the_packaged_taxonomy(installed: Path) -> None:
    done = run(installed, installed / "bin" / "portalwatch", "tag",
               "Kết nạp đảng viên mới. Hội nghị về công tác xây dựng Đảng và chỉnh đốn Đảng.")
    assert done.returncode == 0, done.stderr
    assert "xay-dung-dang" in done.stdout
    assert "mô hình học" in done.stdout  # the learned model, trained on the examples the wheel ships
