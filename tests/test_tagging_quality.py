"""Tagging quality on the labelled sets (articles written independently of the taxonomy, and the two
real seeds from the shared folder), and how the evaluation reads its inputs."""

import json
from pathlib import Path

from pipelines.tagging import load_taxonomy
from portalwatch.core.config import PACKAGE_DIR
from tests.support import LABELLED, evaluate, load_labelled, load_real, predict, seeds_dir


def test_default_taxonomy_tags_the_labelled_set_well() -> None:
    items = load_labelled()
    written = sum(len([line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- id:")])
                  for path in LABELLED.glob("*.yaml")) - 2  # the two seeds are read only with their folder
    assert len(items) == written >= 250
    scores = evaluate(items, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"))
    assert scores.micro[2] >= 0.90, scores.errors
    weak = {topic: round(f1, 2) for topic, (_, _, f1, _) in scores.per_topic.items() if f1 < 0.70}
    assert not weak, weak


def test_the_real_seeds_are_tagged_with_every_labelled_campaign() -> None:
    # Recall only: seed000 also gets topics it merely mentions (counted in the benchmark's precision).
    taxonomy = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")
    seeds = [item for item in load_labelled(seeds_dir()) if "file" in item]
    assert [item["id"] for item in seeds] == ["seed000", "seed004"]
    for item in seeds:
        assert set(item["topics"]) <= predict(item, taxonomy), item["id"]


def test_the_held_out_directory_is_not_part_of_the_tuning_sets(tmp_path: Path) -> None:
    item = "- id: {id}\n  title: Tin\n  text: Nội dung.\n  topics: []\n"
    (tmp_path / "set_x.yaml").write_text(item.format(id="x1"), encoding="utf-8")
    (tmp_path / "heldout").mkdir()
    (tmp_path / "heldout" / "set_h.yaml").write_text(item.format(id="h1"), encoding="utf-8")
    assert [i["id"] for i in load_labelled(directory=tmp_path)] == ["x1"]
    assert [i["id"] for i in load_labelled(directory=tmp_path / "heldout")] == ["h1"]


def test_real_texts_are_scored_with_their_section(tmp_path: Path) -> None:
    text = "Chi bộ thôn Đồng Tâm, tỉnh Bình Giang họp.\n\nCuối buổi, chi bộ xét hồ sơ kết nạp đảng viên."
    rows = [{"url": "https://binhgiang.dcs.vn/1", "title": "Chi bộ thôn Đồng Tâm họp", "text": text,
             "section": "Xây dựng Đảng", "topics": ["xay-dung-dang"]},
            {"url": "https://binhgiang.dcs.vn/2", "title": "Chi bộ thôn Đồng Tâm họp", "text": text,
             "topics": ["xay-dung-dang"]}]
    path = tmp_path / "real.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    items = load_real(path)
    assert [i["id"] for i in items] == ["https://binhgiang.dcs.vn/1", "https://binhgiang.dcs.vn/2"]
    scores = evaluate(items, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"))
    # the section decides: one body mention of "kết nạp đảng viên" and the weak "chi bộ" are 2 points,
    # the section "Xây dựng Đảng" adds 2; without it the second text stays untagged
    assert scores.per_topic["xay-dung-dang"] == (1.0, 0.5, 2 / 3, 2)
    assert scores.errors == ["https://binhgiang.dcs.vn/2: expected ['xay-dung-dang'] got [] — Chi bộ thôn Đồng Tâm họp"]
