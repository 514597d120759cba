"""A durable outbox: processed articles wait on local disk while the store is unreachable."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from portalwatch.core.models import Article
from portalwatch.store.base import ArticleStore, UpsertResult


class Outbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.jsonl")) if self.directory.exists() else []

    def put(self, articles: list[Article]) -> None:
        """Write one batch atomically (temp file, fsync, rename): a crash never leaves half a batch."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{uuid.uuid1().hex}.jsonl"
        temp = final.with_suffix(".tmp")
        with temp.open("w", encoding="utf-8") as out:
            out.writelines(a.model_dump_json() + "\n" for a in articles)
            out.flush()
            os.fsync(out.fileno())
        temp.rename(final)

    def pending(self) -> int:
        return sum(1 for path in self.files() for line in path.open(encoding="utf-8") if line.strip())

    def drain(self, store: ArticleStore) -> Iterator[tuple[list[Article], UpsertResult]]:
        """Send waiting batches oldest first; a batch leaves the outbox only once the store took it.

        Raises the store's StoreUnavailable when it is still down; what was sent stays sent.
        """
        for path in self.files():
            batch = [Article.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip()]
            result = store.upsert(batch)
            path.unlink()
            yield batch, result
