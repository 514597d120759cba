"""Fixture portals: local sites of four real site families, served on loopback for the demo and the tests.

`provincial` (a provincial government portal), `wordpress` (a newspaper with feed and sitemaps),
`liferay` (a department portal with session ids and article variants) and `district` (a district
Party committee's site without feed, sitemap or validators) share `site`; `server` starts them.
`hostile` and `bulk` are test sites for the crawler; all run on `loopback.LoopbackServer`.
The articles and their ground truth (dates, topics) are in `articles_*.yaml`, read by `content`.
"""
