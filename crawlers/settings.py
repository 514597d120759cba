"""Scrapy settings for portalwatch crawls (politeness first: these are public-sector sites)."""

BOT_NAME = "portalwatch"
SPIDER_MODULES = ["crawlers.spiders"]
# Identifies us and says where to read about the crawler and whom to contact (PORTALWATCH_USER_AGENT).
USER_AGENT = "portalwatch/0.1 (+https://github.com/portalwatch/portalwatch)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
CONCURRENT_REQUESTS = 16
# Items are written to SQLite one by one anyway; Scrapy's default (100) spawns 100 asyncio tasks
# for every callback's output, which cost more than the crawl itself.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
# No article page is this big; a bigger response is cut off and recorded, not archived.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_TIMES = 2
# The longest Retry-After we sit through within a crawl; longer ones wait for the next crawl.
RETRY_AFTER_MAX = 120
REDIRECT_MAX_TIMES = 5
DOWNLOADER_MIDDLEWARES = {
    # robots.txt kept in the crawl state between crawls, in the built-in one's place.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.KeptRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawlers.middlewares.SourceMetaRefreshMiddleware": 580,
    "crawlers.middlewares.SourceRedirectMiddleware": 600,
    # Sees 429/503 before Scrapy's RetryMiddleware (550): process_response runs in descending order.
    "crawlers.middlewares.RetryAfterMiddleware": 560,
    # Next to the downloader: every response as received goes to the WARC file.
    "crawlers.warc.WarcMiddleware": 990,
}
# The one writer of the crawl state (archive and frontier), and health recorded when the crawl closes.
ITEM_PIPELINES = {"crawlers.pipelines.CrawlStatePipeline": 300}
EXTENSIONS = {"crawlers.extensions.HealthExtension": 500}
LOG_LEVEL = "INFO"
# A development aid that re-reads each callback's source with inspect on every response (about 5 % of
# the crawl's CPU); the spider's generators return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
