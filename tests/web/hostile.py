"""Hostile documents for the web tests: names, text, metadata and e-mail HTML that try to
run script or reach the network (a counting server stands for "the network")."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

#: Script that would set a flag if it ever ran in the page.
PWN = "window.pwned=1"
#: A file name carrying markup (no "/": it must be a valid file name).
HOSTILE_NAME = f'"><img src=x onerror="{PWN}">新疆 <script>{PWN}<\\script>.txt'


def html_page(beacon: str) -> str:
    return f"""<!doctype html>
<html><head>
<title><script>{PWN}</script>hostile title</title>
<meta name="author" content="&lt;script&gt;{PWN}&lt;/script&gt;">
<link rel="stylesheet" href="{beacon}/link.css">
<style>body {{ background: url({beacon}/style-bg.png) }} @import url({beacon}/import.css);</style>
<script>{PWN}</script>
<script src="{beacon}/script.js"></script>
</head>
<body onload="{PWN}">
<p>新疆 hostile page. &lt;script&gt;{PWN}&lt;/script&gt; and &lt;img src=x onerror={PWN}&gt;</p>
<img src="x" onerror="{PWN}">
<img src="{beacon}/img.png">
<a href="javascript:{PWN}">javascript link</a>
<iframe src="{beacon}/frame.html"></iframe>
<div style="background-image: url({beacon}/inline-bg.png)">styled</div>
</body></html>
"""


def email_message(beacon: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f'"<img src=x onerror={PWN}>" <evil@example.org>'
    msg["To"] = "desk@example.org"
    msg["Subject"] = f"<script>{PWN}</script> 新疆 hostile mail"
    msg["Date"] = "Tue, 13 Jun 2017 10:42:07 +0800"
    msg["Message-ID"] = "<hostile-1@example.org>"
    msg.set_content(f"新疆 plain part <script>{PWN}</script> javascript:{PWN}\n")
    msg.add_alternative(
        f"""<html><head><style>p {{ background: url({beacon}/mail-style.png) }}</style>
<link rel="stylesheet" href="{beacon}/mail-link.css"></head>
<body><p onclick="{PWN}">新疆 <b>bold</b> mail body</p>
<script>{PWN}</script>
<img src="{beacon}/mail-beacon.png" width="1" height="1">
<img src="x" onerror="{PWN}">
<a href="javascript:{PWN}">click me</a> <a href="{beacon}/track">tracked link</a>
<form action="{beacon}/form"><input name="q"><button>go</button></form>
<svg><image href="{beacon}/svg.png"/></svg>
<table><tr><td style="background:url({beacon}/td.png)">cell</td></tr></table>
</body></html>""",
        subtype="html",
    )
    msg.add_attachment(
        f"attachment text 新疆 <script>{PWN}</script>".encode(),
        maintype="text",
        subtype="plain",
        filename=f'<img src=x onerror="{PWN}">.txt',
    )
    return bytes(msg)


def make_hostile_trove(folder: Path, beacon: str) -> Path:
    """A folder of hostile files; ``beacon`` is the counting server's base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hostile.html").write_text(html_page(beacon), encoding="utf-8")
    (folder / "hostile.eml").write_bytes(email_message(beacon))
    (folder / HOSTILE_NAME).write_text(
        f"新疆 text file <script>{PWN}</script> <img src=x onerror={PWN}> "
        f"javascript:{PWN} {beacon}/text-url.png\n",
        encoding="utf-8",
    )
    return folder
