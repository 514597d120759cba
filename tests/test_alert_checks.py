"""The alert checks end to end on both stores: real articles stored, a real SMTP server (aiosmtpd) and a
real HTTP webhook receiver on loopback, deliveries checked as they arrived (signatures verified here with
hmac), expectations worked out from the constructed articles or the fixture portals' YAML."""

import hashlib
import hmac
import threading
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from flows.alerting import CheckResult, run_checks
from portalwatch.core.alerts import SavedSearch
from portalwatch.core.config import PACKAGE_DIR, Settings
from portalwatch.core.models import Article
from portalwatch.core.plans import load_plans
from portalwatch.fixture_portals.content import load_articles
from portalwatch.state.alerts import AlertLog
from portalwatch.state.health import CrawlStats, HealthLog
from portalwatch.store.base import ArticleStore
from tests.support import SOURCE_OF_SITE, WEBHOOK_SECRET, Receiver, at, free_port, make, published_on, settings_for

TODAY = date(2026, 12, 7)  # a Monday


@pytest.fixture
def store(empty_store: ArticleStore) -> ArticleStore:
    return empty_store


def constructed() -> list[Article]:
    """One article a day on digital transformation for two weeks, then twelve today from three sources
    citing 57-NQ/TW; and one Party-building article a day, today included (steady: no spike)."""
    articles = []
    for back in range(15):
        day = TODAY - timedelta(days=back)
        articles.append(make(f"http://b/xdd-{back}", f"Xây dựng Đảng ngày {day}", "Công tác xây dựng Đảng.",
                             at(day, 8), source="b", topics=("xay-dung-dang",)))
        if back:
            articles.append(make(f"http://a/cds-{back}", f"Chuyển đổi số ngày {day}", "Chuyển đổi số ở xã.",
                                 at(day, 9), topics=("chuyen-doi-so",)))
    for i in range(12):
        articles.append(make(f"http://{'acd'[i % 3]}/hom-nay-{i}", f"Hội nghị chuyển đổi số <b>lần {i}</b>",
                             "Quán triệt Nghị quyết 57-NQ/TW về chuyển đổi số.", at(TODAY, 7 + i % 10),
                             source="acd"[i % 3], topics=("chuyen-doi-so",), directives=("57-NQ/TW",)))
    return articles


def verify(receiver: Receiver, path: str) -> None:
    for p, headers, body in receiver.received:
        if p == path:
            expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
            assert hmac.compare_digest(headers["X-Portalwatch-Signature"], expected)


def test_a_spike_and_new_matches_reach_every_receiver_once(store: ArticleStore, tmp_path: Path, inbox: tuple,
                                                           receiver: Receiver) -> None:
    mails, smtp_port = inbox
    articles = constructed()
    store.upsert(articles)
    settings = settings_for(tmp_path, smtp_port, receiver)
    with AlertLog(settings.alerts_db) as log:
        log.save_search(SavedSearch(name="Chuyển đổi số", query={"text": "chuyển đổi số"},
                                    recipients=[f"http://127.0.0.1:{receiver.port}/saved"]))
        counts = run_checks(settings, store, log, TODAY)

    # Matches of the saved search: yesterday's and today's articles with the words, from the list above.
    matching = {a.id for a in articles if "chuyển đổi số" in a.body.lower()
                and a.published_at.date() >= TODAY - timedelta(days=1)}
    assert len(matching) == 13
    assert counts.new == 1 + len(matching) + 1  # the topic's spike, the matches, the saved search's spike
    assert counts.owed == 0

    [mail] = mails.received
    assert mail.rcpt_tos == ["ban-tuyen-giao@binhgiang.test"]
    message = message_from_bytes(mail.content, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Tăng đột biến: chủ đề «Chuyển đổi số»" in text
    assert "12 bài hôm nay 07/12/2026" in text and "57-NQ/TW (12)" in text
    assert all(f"{source} (4)" in text for source in "acd")  # today's twelve come from three sources, four each
    assert "<b>lần" not in html and "&lt;b&gt;lần" in html  # portal text escaped

    [hooked] = receiver.bodies("/hook")
    assert [a["kind"] for a in hooked["alerts"]] == ["spike"]
    verify(receiver, "/hook")
    [chat] = receiver.bodies("/chat")
    assert set(chat) == {"text"} and "Tăng đột biến" in chat["text"]
    [saved] = receiver.bodies("/saved")
    assert {a["stories"][0]["url"] for a in saved["alerts"] if a["kind"] == "match"} == {
        a.url for a in articles if a.id in matching}
    assert [a["title"] for a in saved["alerts"] if a["kind"] == "spike"] == ["Tăng đột biến: tìm kiếm «Chuyển đổi số»"]
    verify(receiver, "/saved")

    with AlertLog(settings.alerts_db) as log:
        again = run_checks(settings, store, log, TODAY)
        assert again == CheckResult(new=0, delivered=0, owed=0, failed_searches={})
    assert len(mails.received) == 1 and len(receiver.received) == 3


def test_a_receiver_down_for_one_run_gets_the_alert_on_the_next(store: ArticleStore, tmp_path: Path, inbox: tuple,
                                                                receiver: Receiver) -> None:
    _, smtp_port = inbox
    store.upsert(constructed())
    settings = settings_for(tmp_path, smtp_port, receiver)
    receiver.down = True
    with AlertLog(settings.alerts_db) as log:
        first = run_checks(settings, store, log, TODAY)
        assert first.new == 1 and first.owed == 2  # the webhook and the chat receiver; the mail went
        owed = log.owed()
        assert {d.recipient.rsplit("/", 1)[-1] for d in owed} == {"hook", "chat"}
        assert all(d.attempts == 2 and "500" in d.last_error for d in owed)
        receiver.down = False
        second = run_checks(settings, store, log, TODAY)
        assert second == CheckResult(new=0, delivered=2, owed=0, failed_searches={})
        assert log.owed() == []
        assert run_checks(settings, store, log, TODAY).delivered == 0
    assert [a["kind"] for body in receiver.bodies("/hook") for a in body["alerts"]] == ["spike"]
    assert len(receiver.bodies("/chat")) == 1
    verify(receiver, "/hook")


def test_a_bad_saved_query_or_a_dead_receiver_is_recorded_not_fatal(store: ArticleStore, tmp_path: Path,
                                                                    receiver: Receiver) -> None:
    store.upsert(constructed())
    settings = settings_for(tmp_path, free_port(), receiver)  # nothing listens on this SMTP port
    with AlertLog(settings.alerts_db) as log:
        log.save_search(SavedSearch(name="hỏng", query={"text": "-tham"}, recipients=["x@binhgiang.test"]))
        counts = run_checks(settings, store, log, TODAY)
        assert list(counts.failed_searches) == ["hỏng"]
        assert "chỉ có từ loại trừ" in counts.failed_searches["hỏng"]
        [mail] = [d for d in log.owed() if "@" in d.recipient]
        assert "Không gửi được thư" in mail.last_error
    assert receiver.bodies("/hook")  # the other receivers still got the spike


def test_a_plan_gap_fires_on_the_fixture_plan_before_the_week_ends(store: ArticleStore, tmp_path: Path,
                                                                   receiver: Receiver) -> None:
    today = date(2026, 11, 20)  # a Friday: week 47 ends on Sunday the 22nd
    copies = [(SOURCE_OF_SITE[site], a, published_on(a, site)) for a in load_articles() for site in a.sites]
    store.upsert([make(f"http://{source}/{a.slug}", a.title, a.body, when, source=source, topics=a.topics)
                  for source, a, when in copies if when.date() <= today])
    plans = PACKAGE_DIR / "fixture_portals" / "plans.yaml"
    settings = Settings(data_dir=tmp_path, plans=plans, alert_recipients=f"http://127.0.0.1:{receiver.port}/hook",
                        alert_attempts=1)
    with AlertLog(settings.alerts_db) as log:
        run_checks(settings, store, log, today)
    # From the YAML alone: each bound source and required topic with no copy published the last 3 days.
    first = today - timedelta(days=2)
    expected = {(plan.name, source, topic) for plan in load_plans(plans) if plan.start <= first <= plan.until
                for source in plan.sources or [] for topic in plan.topics
                if not any(s == source and topic in a.topics and first <= when.date() <= today
                           for s, a, when in copies)}
    assert expected and len(expected) < sum(len(p.sources or []) * len(p.topics) for p in load_plans(plans))
    gaps = [a for body in receiver.bodies("/hook") for a in body["alerts"] if a["kind"] == "gap"]
    assert {tuple(a["key"].split(":")[1:4]) for a in gaps} == expected
    assert {a["key"].rsplit(":", 1)[1] for a in gaps} == {"2026-W47"}


def test_a_failing_source_is_alerted_once_then_its_recovery(store: ArticleStore, tmp_path: Path,
                                                           receiver: Receiver) -> None:
    (tmp_path / "sources.yaml").write_text("- id: a\n  name: Cổng A\n  homepage: http://a.test/\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, alert_recipients=f"http://127.0.0.1:{receiver.port}/hook",
                        alert_attempts=1)
    start = datetime(2026, 12, 7, 1, tzinfo=UTC)
    with HealthLog(settings.archive_db) as health, AlertLog(settings.alerts_db) as log:
        health.record("a", start, CrawlStats(entry_pages=3, links_found=20))
        run_checks(settings, store, log, TODAY)
        for hours in (6, 12):  # two failed crawls: one problem
            health.record("a", start + timedelta(hours=hours), CrawlStats(last_error="Connection refused"))
            run_checks(settings, store, log, TODAY)
        health.record("a", start + timedelta(hours=18), CrawlStats(entry_pages=3, links_found=18))
        run_checks(settings, store, log, TODAY)
        run_checks(settings, store, log, TODAY)
    kinds = [(a["kind"], a["title"]) for body in receiver.bodies("/hook") for a in body["alerts"]]
    assert kinds == [("health", "Nguồn a gặp sự cố"), ("recovery", "Nguồn a hoạt động lại")]


def test_a_source_far_below_its_usual_volume_is_alerted_but_not_a_quiet_day_everywhere(
        store: ArticleStore, tmp_path: Path, receiver: Receiver) -> None:
    (tmp_path / "sources.yaml").write_text("".join(f"- id: {s}\n  name: Cổng {s}\n  homepage: http://{s}.test/\n"
                                                   for s in "ab"), encoding="utf-8")
    settings = Settings(data_dir=tmp_path, alert_recipients=f"http://127.0.0.1:{receiver.port}/hook",
                        alert_attempts=1)
    yesterday = TODAY - timedelta(days=1)

    def day_of(source: str, day: date) -> list[Article]:
        return [make(f"http://{source}/{day}-{i}", f"Tin {i} ngày {day}", "Tin hoạt động ở xã.", at(day, 8 + i % 9),
                     source=source) for i in range(10)]

    # Ten articles a day from both for two weeks; yesterday only b published (a went quiet).
    store.upsert([a for back in range(2, 16) for s in "ab" for a in day_of(s, TODAY - timedelta(days=back))])
    store.upsert(day_of("b", yesterday))
    with AlertLog(settings.alerts_db) as log:
        run_checks(settings, store, log, TODAY)
        drops = [a["key"] for body in receiver.bodies("/hook") for a in body["alerts"]]
        assert drops == [f"drop:a:{yesterday.isoformat()}"]
        # The next day sees yesterday's holiday: nobody published, so no source is singled out.
        run_checks(settings, store, log, TODAY + timedelta(days=1))
    assert len(receiver.bodies("/hook")) == 1


def test_a_receiver_that_never_answers_is_retried_on_the_next_run(store: ArticleStore, tmp_path: Path,
                                                                  receiver: Receiver) -> None:
    store.upsert(constructed())
    settings = Settings(data_dir=tmp_path, alert_recipients=f"http://127.0.0.1:{receiver.port}/hook",
                        alert_attempts=1, alert_timeout=0.5)
    receiver.stall = threading.Event()
    with AlertLog(settings.alerts_db) as log:
        assert run_checks(settings, store, log, TODAY).owed == 1
        [owed] = log.owed()
        assert "Không gửi được tới" in owed.last_error
        receiver.stall.set()
        receiver.stall = None
        assert run_checks(settings, store, log, TODAY).delivered == 1
    assert [a["kind"] for body in receiver.bodies("/hook") for a in body["alerts"]] == ["spike"]


def test_a_daily_saved_search_sends_yesterdays_matches_only(store: ArticleStore, tmp_path: Path,
                                                            receiver: Receiver) -> None:
    articles = constructed()
    store.upsert(articles)
    settings = Settings(data_dir=tmp_path, alert_attempts=1)
    with AlertLog(settings.alerts_db) as log:
        log.save_search(SavedSearch(name="Chuyển đổi số", query={"text": "chuyển đổi số"}, matches="daily",
                                    spikes=False, recipients=[f"http://127.0.0.1:{receiver.port}/daily"]))
        run_checks(settings, store, log, TODAY)
        run_checks(settings, store, log, TODAY)
    yesterdays = {a.url for a in articles if "chuyển đổi số" in a.body.lower()
                  and a.published_at.date() == TODAY - timedelta(days=1)}
    [batch] = receiver.bodies("/daily")
    assert {a["stories"][0]["url"] for a in batch["alerts"]} == yesterdays and len(yesterdays) == 1


def test_portal_text_cannot_break_the_mail_header(store: ArticleStore, tmp_path: Path, inbox: tuple) -> None:
    mails, smtp_port = inbox
    store.upsert([make("http://a/x", "Tin bầu cử\r\nBcc: ke-la@example.test", "Cử tri đi bầu cử.", at(TODAY, 9))])
    settings = Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False,
                        alert_attempts=1)
    with AlertLog(settings.alerts_db) as log:
        log.save_search(SavedSearch(name="Bầu cử", query={"text": "bầu cử"}, spikes=False,
                                    recipients=["ban@binhgiang.test"]))
        assert run_checks(settings, store, log, TODAY).delivered == 1
    [mail] = mails.received
    assert mail.rcpt_tos == ["ban@binhgiang.test"]
    message = message_from_bytes(mail.content, policy=policy.default)
    assert message["Subject"] == "portalwatch: Bài mới khớp «Bầu cử»: Tin bầu cử Bcc: ke-la@example.test"
    assert message["Bcc"] is None
