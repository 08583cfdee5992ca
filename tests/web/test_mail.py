"""E-mail bodies for the viewer: HTML from .eml and Outlook .msg, sanitised."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from culpa.web.mail import OUTLOOK_MIME, email_body
from tests.conftest import CORPUS


def test_eml_html_body_loses_scripts_images_and_link_targets(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "会议"
    message.set_content("plain")
    message.add_alternative(
        '<p>正文<script>window.pwned=1</script><img src="http://127.0.0.1:9/p.gif">'
        '<a href="javascript:alert(1)">链接</a></p>',
        subtype="html",
    )
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(message))
    body = email_body(path)
    assert body is not None
    assert "正文" in body.html and "链接" in body.html
    assert "script" not in body.html and "<img" not in body.html and "href" not in body.html
    assert (body.images_dropped, body.links_disabled) == (1, 1)


def test_outlook_msg_html_body(tmp_path: Path) -> None:
    path = CORPUS / "cjk" / "tika_testMSG_chinese.msg"
    if not path.exists():
        pytest.skip("shared corpus not present")
    body = email_body(path, OUTLOOK_MIME)
    assert body is not None
    assert "中文測試" in body.html and "高票當選" in body.html
    assert email_body(CORPUS / "email" / "tika_testMSG.msg", OUTLOOK_MIME) is None  # text only
