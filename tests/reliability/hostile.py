"""Hand-picked hostile review texts, shared by the store, page, CLI and browser checks.

Each case: the text, and either None (stored as text, stripped) or a fragment of the message that refuses it."""
from __future__ import annotations

STORED = {
    "script tag": "<script>window.__pwned = 1; alert(1)</script> a great film",
    "img onerror": '<img src="x" onerror="window.__pwned = 1; alert(1)"> a great film',
    "markdown link and image": "[click me](javascript:alert(1)) ![beacon](http://127.0.0.1:9/beacon.png) great",
    "html entities and style": "<style>body{display:none}</style>&lt;b&gt; great <iframe src=about:blank></iframe>",
    "emoji": "Loved it 🎬🍿👍🏽 — a joy from start to end 🇫🇷",
    "right-to-left text": "فيلم رائع جدا — a wonderful film",
    "tabs and blank lines": "  A wonderful film.\n\n\tThe ending is great.  ",
}
REFUSED = {
    "empty": ("", "at least 5 characters"),
    "whitespace": (" \n\t\u3000 \r\n ", "at least 5 characters"),
    "1 MB": ("great " * 174_763, "at most 5,000 characters"),
    "NUL": ("A great\x00 film", "control characters (U+0000"),
    "terminal escape": ("A great \x1b[31mred\x1b[0m film", "control characters (U+001B"),
    "right-to-left override": ("A great film \u202edaB", "control characters (U+202E"),
    "invalid UTF-8": (b"A great \xff\xfe film".decode("utf-8", "surrogateescape"), "valid UTF-8"),
}
