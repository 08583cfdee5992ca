"""What keeps the workbench's pages from being turned against its user.

* Every response carries a Content-Security-Policy allowing nothing from
  another origin and no inline script or style, so even markup that escaped
  the escaping could neither run nor fetch; plus ``nosniff``, no referrer,
  no framing.
* Requests whose ``Host`` is not ``127.0.0.1:PORT`` or ``localhost:PORT`` are
  refused: a web page on the Internet cannot reach the server by pointing one
  of its own names at 127.0.0.1 (DNS rebinding).
* State-changing requests are POSTs carrying a secret made at server start,
  both in a ``SameSite=Strict`` cookie and in the form (or an
  ``X-CSRF-Token`` header), from a page of this origin (``Origin`` or
  ``Referer``): another site can neither read the secret nor send the cookie.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), usb=(), payment=()",
}
ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def allowed_hosts(port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host header values the server answers to."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", *extra})


def csrf_cookie_name(port: int) -> str:
    # Cookies ignore ports: two servers on one machine must not overwrite each other's.
    return f"culpa_csrf_{port}"


class CsrfError(Exception):
    """A state-changing request that did not prove it came from this app's own page."""


class SecurityMiddleware:
    """Host check, method check, security headers and the CSRF cookie, for every response."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], token: str, cookie: str) -> None:
        self.app = app
        self.hosts = hosts
        self.token = token
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("host", "") not in self.hosts:
            await self._refuse(
                scope, receive, send, 400, "unknown Host: open the address culpa printed"
            )
            return
        if scope["method"] not in ALLOWED_METHODS:
            await self._refuse(scope, receive, send, 405, "method not allowed")
            return
        needs_cookie = _cookie(headers, self.cookie) != self.token
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    out[name] = value
                if "cache-control" not in out:
                    # Pages show a changing case: never stored. Static files: revalidated.
                    static = str(scope.get("path", "")).startswith("/static/")
                    out["Cache-Control"] = "no-cache" if static else "no-store"
                if needs_cookie:
                    out.append(
                        "Set-Cookie",
                        f"{self.cookie}={self.token}; Path=/; SameSite=Strict; HttpOnly",
                    )
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # A bug: answer 500 with the same headers (Starlette's outer error handler
            # would send its own without them), then let it be logged.
            if not started:
                error = PlainTextResponse("internal error (a bug; see the server's log)", 500)
                await error(scope, receive, send_with_headers)
            raise

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, text: str
    ) -> None:
        response = PlainTextResponse(text, status_code=status, headers=SECURITY_HEADERS)
        await response(scope, receive, send)


def _cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # http.cookies raises CookieError, and others, on junk
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def check_csrf(request: Request, form_token: str | None, *, token: str, cookie: str) -> None:
    """Raise :class:`CsrfError` unless the request came from a page of this app."""
    own = f"http://{request.headers.get('host', '')}"
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        raise CsrfError("the request came from another site")
    if origin not in (None, "null"):
        if origin != own:
            raise CsrfError("the request came from another site")
    elif fetch_site is None:
        # Our pages send no referrer, so a browser's form post says "Origin: null" and
        # proves itself with Sec-Fetch-Site (which pages cannot set); other clients
        # must name the app's page.
        referer = request.headers.get("referer", "")
        if not (referer == own or referer.startswith(own + "/")):
            raise CsrfError("the request does not say it came from this app")
    sent = form_token or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise CsrfError("the form is out of date: reload the page and try again")
    if not hmac.compare_digest((_cookie(request.headers, cookie) or "").encode(), token.encode()):
        raise CsrfError("the session cookie is missing: reload the page and try again")
