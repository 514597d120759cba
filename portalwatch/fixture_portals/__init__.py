"""Fixture portals: two realistic local sites of two site families, served on loopback.

`tinh` is a provincial government portal (category lists with numbered pagination, date lines,
breadcrumbs, "Tin liên quan", visitor counters); `bao` is a WordPress newspaper (RSS feed,
sitemap index, comment form after each post). They back the demo and the tests.
"""
