"""Tagging quality on the labelled sets (articles written independently of the taxonomy, and the two
real seeds from the shared folder), and how the evaluation reads its inputs."""

import dataclasses
import json
from pathlib import Path

from pipelines.tagging import SHIPPED_EXAMPLES, Taxonomy, load_taxonomy, tag_plain_text
from portalwatch.core.config import PACKAGE_DIR
from tests.support import HELDOUT, LABELLED, evaluate, load_labelled, load_real, predict, seeds_dir


def default_taxonomy(rules_only: bool = False) -> Taxonomy:
    taxonomy = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")
    return dataclasses.replace(taxonomy, model=None) if rules_only else taxonomy


def test_the_phrase_rules_alone_tag_the_labelled_examples_well() -> None:
    # The learned model trains on these examples, so they measure the rules only.
    items = load_labelled()
    written = sum(len([line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- id:")])
                  for folder in (SHIPPED_EXAMPLES, LABELLED) for path in folder.glob("*.yaml")) - 2  # seeds: no folder
    assert len(items) == written >= 250
    scores = evaluate(items, default_taxonomy(rules_only=True))
    assert scores.micro[2] >= 0.90, scores.errors
    weak = {topic: round(f1, 2) for topic, (_, _, f1, _) in scores.per_topic.items() if f1 < 0.70}
    assert not weak, weak


def test_rules_and_learned_model_together_generalise_to_the_held_out_set() -> None:
    # Written like the examples but never trained or tuned on: the model must add what the rules miss.
    items = load_labelled(directories=(HELDOUT,))
    assert len(items) >= 100
    rules, both = evaluate(items, default_taxonomy(rules_only=True)), evaluate(items, default_taxonomy())
    assert both.micro[2] >= 0.90 and both.micro[2] > rules.micro[2] + 0.03
    weak = {topic: round(f1, 2) for topic, (_, _, f1, _) in both.per_topic.items() if f1 < 0.80}
    assert not weak, weak


def test_the_learned_model_tags_a_paraphrase_and_shows_the_words_that_decided() -> None:
    # Admission of two members told without any of the topic's phrases ("kết nạp đảng viên"…).
    title = "Chi bộ thôn Đồng Tâm xét hồ sơ cho hai quần chúng trẻ"
    text = ("Tối 14/5, Chi bộ thôn Đồng Tâm, xã Yên Bình, tỉnh Bình Giang họp thường kỳ. Sau khi nghe báo cáo về "
            "quá trình rèn luyện, thử thách của hai thanh niên vừa xuất ngũ, các đảng viên biểu quyết đề nghị Đảng ủy "
            "xã xem xét, cho hai người được đứng vào hàng ngũ của Đảng.\n\nBí thư chi bộ cho biết năm nay chi bộ "
            "được giao tạo nguồn ba người, đã giao đảng viên kèm cặp từng người, giới thiệu đi học lớp nhận thức về "
            "Đảng. Cuối buổi, chi bộ thống nhất phân công đảng viên lớn tuổi phụ trách các hộ trong xóm.")
    assert tag_plain_text(default_taxonomy(rules_only=True), text, title) == []
    [found] = tag_plain_text(default_taxonomy(), text, title)
    assert found.topic_id == "xay-dung-dang" and found.learned and found.learned >= 0.5
    assert found.terms and all(term in f"{title} {text}".lower() for term in found.terms)
    # A weather report stays untagged by either.
    weather = "Nắng nóng gay gắt kéo dài ở Bình Giang, nhiều nơi trên 40 độ C; người dân hạn chế ra đường buổi trưa."
    assert tag_plain_text(default_taxonomy(), weather, "Nắng nóng gay gắt ở Bình Giang") == []


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
    assert [i["id"] for i in load_labelled(directories=(tmp_path,))] == ["x1"]
    assert [i["id"] for i in load_labelled(directories=(tmp_path / "heldout",))] == ["h1"]


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
    scores = evaluate(items, default_taxonomy(rules_only=True))
    # the section decides: one body mention of "kết nạp đảng viên" and the weak "chi bộ" are 2 points,
    # the section "Xây dựng Đảng" adds 2; without it the second text stays untagged
    assert scores.per_topic["xay-dung-dang"] == (1.0, 0.5, 2 / 3, 2)
    assert scores.errors == ["https://binhgiang.dcs.vn/2: expected ['xay-dung-dang'] got [] — Chi bộ thôn Đồng Tâm họp"]
