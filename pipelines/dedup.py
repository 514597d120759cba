"""Exact-duplicate groups across sources: same normalised text, earliest copy is canonical."""

from portalwatch.store.base import DedupKey


def duplicate_groups(keys: list[DedupKey]) -> dict[str, str | None]:
    """Article id -> id of the earliest article with the same content, or None when unique."""
    by_hash: dict[str, list[DedupKey]] = {}
    for key in keys:
        by_hash.setdefault(key.content_hash, []).append(key)
    groups: dict[str, str | None] = {}
    for members in by_hash.values():
        members.sort(key=lambda k: (k.published_at, k.id))
        leader = members[0].id if len(members) > 1 else None
        for member in members:
            groups[member.id] = leader
    return groups
