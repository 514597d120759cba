"""The alerts database (alerts.db, beside archive.db): saved searches, every alert raised, and every
delivery of one to one recipient, delivered or still owed (the outbox).

An alert's key is its primary key: raising the same event again changes nothing, so no article or
event is alerted twice, and a delivery row is only marked delivered once a receiver accepted it.
"""

import sqlite3
from datetime import UTC, datetime
from typing import NamedTuple

from portalwatch.core.alerts import Alert, SavedSearch
from portalwatch.state.db import Migration, StateFile, statements, upsert


def _to_v1(db: sqlite3.Connection) -> None:
    for statement in statements("""
        CREATE TABLE saved_searches (name TEXT PRIMARY KEY, definition TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE alerts (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            saved_search TEXT,             -- NULL: an alert for the global recipients
            content TEXT NOT NULL,         -- the Alert, as JSON
            raised_at TEXT NOT NULL        -- ISO 8601 UTC
        );
        CREATE INDEX alerts_raised ON alerts (raised_at);
        CREATE TABLE deliveries (
            alert_key TEXT NOT NULL REFERENCES alerts (key),
            recipient TEXT NOT NULL,       -- an e-mail address or a webhook URL
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered_at TEXT,             -- NULL: still owed (the outbox)
            last_error TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (alert_key, recipient)
        )
    """):
        db.execute(statement)


MIGRATIONS: list[Migration] = [_to_v1]  # append only


class Delivery(NamedTuple):
    alert: Alert
    recipient: str | None  # None: an alert nobody was configured to receive
    attempts: int
    delivered_at: datetime | None
    last_error: str
    raised_at: datetime


class AlertLog(StateFile):
    migrations = MIGRATIONS
    schema = "alerts"

    # ------------------------------------------------------------ saved searches

    def save_search(self, search: SavedSearch) -> bool:
        """Add or replace a saved search by name; True when it is new."""
        with self.db:
            new = self.db.execute("SELECT 1 FROM saved_searches WHERE name = ?", (search.name,)).fetchone() is None
            self.db.execute(upsert("saved_searches", ("name", "definition", "created_at"), "name"),
                            (search.name, search.model_dump_json(), datetime.now(UTC).isoformat()))
        return new

    def saved_searches(self) -> list[SavedSearch]:
        rows = self.db.execute("SELECT definition FROM saved_searches ORDER BY name")
        return [SavedSearch.model_validate_json(definition) for (definition,) in rows]

    def remove_search(self, name: str) -> bool:
        with self.db:
            return self.db.execute("DELETE FROM saved_searches WHERE name = ?", (name,)).rowcount > 0

    # ------------------------------------------------------------ alerts and their deliveries

    def known_of_kind(self, *kinds: str) -> set[str]:
        """The keys of every alert of these kinds raised so far."""
        marks = ",".join("?" * len(kinds))
        return {key for (key,) in self.db.execute(f"SELECT key FROM alerts WHERE kind IN ({marks})", kinds)}

    def raise_alerts(self, alerts: list[tuple[Alert, list[str]]], now: datetime) -> list[Alert]:
        """Record new alerts with a delivery owed to each of their recipients; returns the ones new."""
        new = []
        with self.db:
            for alert, recipients in alerts:
                inserted = self.db.execute(
                    "INSERT INTO alerts (key, kind, saved_search, content, raised_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (alert.key, alert.kind, alert.saved_search, alert.model_dump_json(), now.isoformat())).rowcount
                if inserted:
                    new.append(alert)
                    self.db.executemany("INSERT INTO deliveries (alert_key, recipient) VALUES (?, ?)"
                                        " ON CONFLICT DO NOTHING", [(alert.key, r) for r in recipients])
        return new

    def owed(self) -> list[Delivery]:
        """Deliveries not made yet, oldest alert first: this run's and those a receiver missed before."""
        return self._deliveries("WHERE d.recipient IS NOT NULL AND d.delivered_at IS NULL ORDER BY a.raised_at, a.key",
                                ())

    def recent(self, limit: int) -> list[Delivery]:
        """The latest alerts, once per recipient (once with no recipient when there was none), newest first."""
        return self._deliveries("ORDER BY a.raised_at DESC, a.key LIMIT ?", (limit,))

    def _deliveries(self, where: str, parameters: tuple) -> list[Delivery]:
        rows = self.db.execute("SELECT a.content, d.recipient, d.attempts, d.delivered_at, d.last_error, a.raised_at"
                               f" FROM alerts a LEFT JOIN deliveries d ON a.key = d.alert_key {where}", parameters)
        return [Delivery(Alert.model_validate_json(content), recipient, attempts or 0,
                         datetime.fromisoformat(delivered) if delivered else None, error or "",
                         datetime.fromisoformat(at))
                for content, recipient, attempts, delivered, error, at in rows]

    def delivered(self, keys: list[str], recipient: str, tries: int, at: datetime) -> None:
        with self.db:
            self.db.executemany("UPDATE deliveries SET delivered_at = ?, attempts = attempts + ?, last_error = ''"
                                " WHERE alert_key = ? AND recipient = ?",
                                [(at.isoformat(), tries, k, recipient) for k in keys])

    def failed(self, keys: list[str], recipient: str, tries: int, error: str) -> None:
        """Tried `tries` times and failed: the deliveries stay owed, with the last error."""
        with self.db:
            self.db.executemany("UPDATE deliveries SET attempts = attempts + ?, last_error = ?"
                                " WHERE alert_key = ? AND recipient = ?", [(tries, error, k, recipient) for k in keys])
