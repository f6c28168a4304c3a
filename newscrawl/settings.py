"""Scrapy settings for newscrawl.

Defaults are polite for the live site; tests and the demo override them for the local replica.
Every setting of our own starts with NEWSCRAWL_ and is documented where it is defined.
"""

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.outlets"]
NEWSPIDER_MODULE = "newscrawl.outlets"

# Identify ourselves: a research archive, with a way to reach its operators.
NEWSCRAWL_CONTACT = "https://github.com/newscrawl/newscrawl"
USER_AGENT = f"newscrawl/0.1 (+{NEWSCRAWL_CONTACT}; research news archive)"

ROBOTSTXT_OBEY = True

# One news site, one request at a time, a few seconds apart with jitter.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 3.0
# Each delay drawn from 0.5x to 1.5x DOWNLOAD_DELAY, so requests do not tick like a clock.
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
# A months-long archive meets passing faults: a few more tries than Scrapy's 2 before
# a page is given up (each give-up is counted in retry/max_reached).
RETRY_TIMES = 5
# Pages cut short (no closing markup, or a body far below the metadata word count) are
# fetched again up to this many times, then counted in newscrawl/incomplete/max_reached.
NEWSCRAWL_INCOMPLETE_RETRIES = 3
# Article pages are far below this; anything larger is not an article.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Sitemaps (-a discover=sitemap): one file is cut past these (decompressed bytes, URLs; the
# sitemap protocol's own limits), counted in newscrawl/sitemaps/capped/*; its article URLs
# are requested this many at a time, the next batch when the crawl runs dry.
NEWSCRAWL_SITEMAP_MAX_BYTES = 50 * 1024 * 1024
NEWSCRAWL_SITEMAP_MAX_URLS = 50_000
NEWSCRAWL_SITEMAP_BATCH = 100
# Article links taken from one page (a listing, or one kind of block on an article); a real
# page has a few dozen, the rest of a hostile page's links are counted in
# newscrawl/links_capped/* and not requested. 0: no cap.
NEWSCRAWL_MAX_LINKS_PER_PAGE = 500

COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# One short line per dropped record (DEBUG for unchanged/duplicate/out of range), not
# Scrapy's WARNING with the whole record (newscrawl/core/logformatter.py).
LOG_FORMATTER = "newscrawl.core.logformatter.NewscrawlLogFormatter"

# Breadth-first: listings and their cards before deep Related/Read Next chains, so a
# crawl capped by max_pages still covers every section evenly.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# validate -> since/until -> dedupe within and across runs (dates arrive in UTC from the parser).
ITEM_PIPELINES = {
    "newscrawl.core.pipelines.ValidatePipeline": 100,
    "newscrawl.core.pipelines.RangePipeline": 200,
    "newscrawl.core.pipelines.DedupePipeline": 300,
}
# Cross-run memory (newscrawl/core/state.py): "on", "off" (one-off crawls that emit everything),
# or "auto": on for the project's own feeds below, off for a run given -O/-o (a file named
# on the command line is a full snapshot) unless -s NEWSCRAWL_STATE_PATH names the memory.
NEWSCRAWL_STATE = "auto"
# Set by `scrapy crawl` for a run given -O/-o (newscrawl/core/commands/crawl.py), for "auto"
# above; not a setting to give by hand.
NEWSCRAWL_NAMED_OUTPUT = False
# A BREAKING line is emitted again only after no run has seen it on the ticker for this
# many hours (a line still up is the same news; one back after a gap is news again).
NEWSCRAWL_TICKER_REPEAT_HOURS = 24
# Whether the home page's BREAKING ticker lines are collected; the spider turns it off for a run
# whose feeds take none (NewsSpider.update_settings), so none is remembered without being written.
NEWSCRAWL_TICKER = True
# Incremental runs (the cron entry point sets this): articles the store knows are not
# fetched again (-a refresh=N re-fetches those published in the last N days) and a
# listing whose first page brings nothing new is not paged further.
NEWSCRAWL_INCREMENTAL = False
# Re-checks of stored posts by incremental runs (newscrawl/core/recheck.py): each post is due
# again at these ages after publication (m, h or d; once per age passed since its last fetch,
# never after the last), youngest first, at most NEWSCRAWL_RECHECK_BUDGET requests per run (0:
# none). 4 keeps them under a fifth of the smallest hourly run of any edition (robots.txt, the
# home page and the Arabic edition's 16 listings: 4 of 22 requests); README "Re-checks".
NEWSCRAWL_RECHECK_INTERVALS = "1h,6h,1d,3d,7d,30d"
NEWSCRAWL_RECHECK_BUDGET = 4
# Where that memory lives; %(edition)s, %(name)s and %(dataset)s are filled in. The dataset
# is the spider's name for the live site, and a name of its own for a mirror or the replica
# (-a base_url=...: <spider>-mirror-127.0.0.1-8000), whose data and memory stay apart.
NEWSCRAWL_STATE_PATH = "output/state/%(dataset)s-%(edition)s.sqlite3"

# Each run writes its own file (UTC start time in the name); -O/-o replace these.
FEEDS = {
    "output/%(dataset)s/%(edition)s/%(time)s.jsonl": {
        "format": "jsonlines", "encoding": "utf-8", "item_classes": ["newscrawl.core.items.Article"],
    },
    "output/%(dataset)s/%(edition)s/%(time)s.breaking.jsonl": {
        "format": "jsonlines", "encoding": "utf-8", "item_classes": ["newscrawl.core.items.BreakingItem"],
    },
    # What scheduled re-checks found without a new version: unchanged sightings, removals.
    "output/%(dataset)s/%(edition)s/%(time)s.checks.jsonl": {
        "format": "jsonlines", "encoding": "utf-8", "item_classes": ["newscrawl.core.items.PostCheck"],
    },
}
# Fills in %(dataset)s (newscrawl/core/feeds.py).
FEED_URI_PARAMS = "newscrawl.core.feeds.uri_params"
# A scheduled run with nothing new leaves no empty files behind.
FEED_STORE_EMPTY = False
# Files are written line by line, unbuffered: a killed run leaves no partial line.
FEED_STORAGES = {"file": "newscrawl.core.feeds.LineAtomicFileStorage", "": "newscrawl.core.feeds.LineAtomicFileStorage",
                 "stdout": "newscrawl.core.feeds.LineAtomicStdoutStorage"}
# Speed only: Scrapy's JSON Lines exporter, same bytes, with a fast path for our records
# (newscrawl/core/feeds.py; ~0.25 -> ~0.1 ms CPU per article record).
FEED_EXPORTERS = {fmt: "newscrawl.core.feeds.JsonLinesExporter" for fmt in ("jsonlines", "jsonl", "jl")}
EXTENSIONS = {
    # Scrapy's, counting the records written, without a traceback per failed write.
    "scrapy.extensions.feedexport.FeedExporter": None,
    "newscrawl.core.feeds.LineFeedExporter": 0,
    "newscrawl.core.extensions.RunSummary": 500,
    # Owns the cross-run memory; after the feed exporter (0), so that a record is
    # remembered only once its line is written.
    "newscrawl.core.state.StateKeeper": 505,
    "newscrawl.core.coverage.CoverageExtension": 510,
    "newscrawl.core.warc.capture.WarcCapture": 520,
    # One SIGINT/SIGTERM stops at once even while requests wait out a long host delay.
    "newscrawl.core.extensions.PromptStop": 100,
    "newscrawl.core.progress.Progress": 520,
    "newscrawl.core.extensions.StallGuard": 530,
}
# `scrapy crawl` runs young-generation collections every this many allocations instead of
# CPython's 700 (newscrawl/core/gctuning.py; a few per cent less CPU per crawl); 0 keeps CPython's.
NEWSCRAWL_GC_THRESHOLD = 10000
# A run whose scheduler holds requests while nothing is downloaded and no response comes for
# this many minutes (an unreadable JOBDIR queue) stops with finish reason "stalled" (0: never).
NEWSCRAWL_STALL_MINUTES = 10
# Field coverage in the run summary (newscrawl/core/coverage.py); runs with fewer records are
# not judged against the edition's minimums (one odd post of a handful must not fail a cron run).
NEWSCRAWL_COVERAGE = True
NEWSCRAWL_COVERAGE_MIN_RECORDS = 10
# Raw responses (newscrawl/core/warc/): every response the crawl receives, with its request, in
# <output root>/warc/<edition>/<UTC start>-<serial>.warc.gz (a mirror's or the replica's in
# warc/<dataset>-<edition>/; "off" keeps none). The directory may be set (%(edition)s, %(name)s
# and %(dataset)s are filled in); a file is closed for the next serial past NEWSCRAWL_WARC_MAX_SIZE bytes.
NEWSCRAWL_WARC = "on"
NEWSCRAWL_WARC_DIR = ""
NEWSCRAWL_WARC_MAX_SIZE = 1_000_000_000
# Articles get the place of their stored response in their `warc` field.
SPIDER_MIDDLEWARES = {"newscrawl.core.warc.capture.WarcPointerMiddleware": 950}
# Replay a crawl from WARC files (paths or globs, comma-separated): requests are answered
# from the stored responses, never from the network; others are counted and ignored.
NEWSCRAWL_REPLAY = ""
# Seconds between two progress lines in the log (pages, articles and ticker lines, drops by
# reason, queue, rate, share done and ETA of the bounded work; newscrawl/core/progress.py); 0
# turns them off. They replace Scrapy's own per-minute line, which would repeat them.
NEWSCRAWL_PROGRESS_INTERVAL = 60.0
LOGSTATS_INTERVAL = 0
# The same counts on one live line, redrawn in place every NEWSCRAWL_LIVE_PROGRESS_INTERVAL
# seconds, when file descriptor NEWSCRAWL_LIVE_PROGRESS_FD is a terminal ("auto"); "off": never.
NEWSCRAWL_LIVE_PROGRESS = "auto"
NEWSCRAWL_LIVE_PROGRESS_FD = 2
NEWSCRAWL_LIVE_PROGRESS_INTERVAL = 1.0

# Time used as "now" for relative and year-less dates (ISO 8601); empty means the clock.
# Tests set it so that output does not depend on the day they run.
NEWSCRAWL_NOW = ""
COMMANDS_MODULE = "newscrawl.core.commands"
# Spider arguments for a spider built without -a: `scrapy shell -a NAME=VALUE` sets them
# (newscrawl/core/commands/shell.py); -a values of other commands win over them.
NEWSCRAWL_SPIDER_ARGS: dict[str, str] = {}
# `scrapy check <spider> [-a base_url=...]`: @path (a path on the crawled host), @first_article
# (the article a listing links first) and @filled (fields with values) in the spider's callbacks
# (newscrawl/core/contracts.py).
SPIDER_CONTRACTS = {"newscrawl.core.contracts.PathContract": 10, "newscrawl.core.contracts.FirstArticleContract": 10,
                    "newscrawl.core.contracts.FilledContract": 10}

# --- how requests are fetched (newscrawl/core/middlewares.py) -------------------------------
DOWNLOADER_MIDDLEWARES = {
    # process_response runs from the highest number down: challenges are recognised
    # before Retry-After handling, and both before Scrapy's RetryMiddleware (550).
    "newscrawl.core.middlewares.ChallengeMiddleware": 580,
    "newscrawl.core.middlewares.RetryAfterMiddleware": 570,
    "newscrawl.core.browser.BrowserMiddleware": 590,
    "newscrawl.core.middlewares.CrawlDelayMiddleware": 120,
    # Scrapy's, with a robots.txt too large to read taken as Disallow: / (not as none).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.core.middlewares.RobotsTxtMiddleware": 100,
    # After the offsite and scope checks, before robots.txt (100) and anything that sends
    # or delays a request: a request past NEWSCRAWL_MAX_REQUESTS is never sent.
    "newscrawl.core.limits.RequestCapMiddleware": 60,
    # After Scrapy's offsite check (50), before robots.txt (100): nothing outside the
    # crawled scheme, host and port is fetched, not even its robots.txt.
    "newscrawl.core.middlewares.ScopeMiddleware": 55,
    # After DownloadTimeoutMiddleware (350) sets the timeout it cuts, and after the
    # Retry-After wait (570), which is not download time; its process_exception sees a
    # timeout before RetryMiddleware (550) retries it.
    "newscrawl.core.middlewares.SlowServerMiddleware": 575,
    # Last before the downloader: with NEWSCRAWL_REPLAY set it answers every request.
    "newscrawl.core.warc.replay.ReplayMiddleware": 950,
    # Next to the download handler: sees every request come back, answered or failed
    # (refusals by the middlewares above included), for the progress line.
    "newscrawl.core.progress.WorkCounter": 990,
}
# Slow servers: all attempts of one URL (retries included) within this many seconds, and a
# host that times out this many seconds in a row is given up (its other requests skipped).
NEWSCRAWL_URL_TIME_BUDGET = 90.0
NEWSCRAWL_HOST_TIMEOUT_BUDGET = 600.0
# Hard cap on the requests of one crawl, 0 for none (the probe sets it).
NEWSCRAWL_MAX_REQUESTS = 0
# Article links taken from each listing page, 0 for all (the probe takes a handful).
NEWSCRAWL_PER_LISTING = 0
# Retry-After on 429/503: longest wait honoured (s), wait when the header is missing (s),
# and how many such retries a request gets before the give-up is counted.
# Off (False): 429/503 are left to Scrapy's own retry, which ignores Retry-After.
NEWSCRAWL_RETRY_AFTER_ENABLED = True
NEWSCRAWL_RETRY_AFTER_MAX = 300.0
NEWSCRAWL_RETRY_AFTER_DEFAULT = 30.0
NEWSCRAWL_RETRY_AFTER_TIMES = 5
# Longest robots.txt Crawl-delay honoured (s); a longer one is capped here and logged.
NEWSCRAWL_CRAWL_DELAY_MAX = 60.0
# False: never use a browser (requests that need one are skipped and counted).
NEWSCRAWL_BROWSER_ENABLED = True

# scrapy-playwright handles only requests with meta["playwright"] (set by BrowserMiddleware);
# the browser itself is launched on the first such request, never for a crawl without one.
import os as _os  # noqa: E402

# scrapy-playwright's stock handler; its browser provider starts Playwright (a Node.js
# driver per handler) on the first request that needs the browser, not at engine start
# (measured in bench/notes.md; newscrawl/core/browser.py). With NEWSCRAWL_BROWSER_ENABLED=False the
# spider puts Scrapy's own handler back (newscrawl.core.browser.without_browser).
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_PROVIDER = "newscrawl.core.browser_provider.OnDemandBrowserProvider"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Debian's Chromium (Playwright's own browser download is not available offline).
NEWSCRAWL_CHROMIUM = _os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": NEWSCRAWL_CHROMIUM,
    "headless": True,
    "args": ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-component-update", "--disable-sync"],
    # Playwright turns Chromium's popup blocker off; on, a page's script opens no popup
    # (an about:blank popup's first requests can leave before any route sees them).
    "ignore_default_args": ["--disable-popup-blocking"],
}
PLAYWRIGHT_ABORT_REQUEST = "newscrawl.core.browser.abort_request"
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30000
