"""Who may talk to the app, and what every answer carries.

A request must name the app's own host and port (``Host``), carry the per-launch secret (in the
printed URL once, then a cookie) and, when it changes anything, the per-launch CSRF token.
``docs/ARCHITECTURE.md`` (The workbench, Trust) has why.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Request, Response, render_template

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
KEY_PARAMETER = "key"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer a form post says "Origin: null"
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass
class Guard:
    """The per-launch secret and CSRF token, and the port the app answers on."""

    port: int | None = None  # set once the server has bound its port
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def cookie(self) -> str:
        """The secret's cookie: one per port, so two offices' workbenches never mix."""
        return f"duban_key_{self.port or 0}"

    def url(self, path: str = "/") -> str:
        """The address to open once: the app's URL with the secret."""
        return f"http://127.0.0.1:{self.port}{path}?{urlencode({KEY_PARAMETER: self.secret})}"

    def hosts(self) -> frozenset[str]:
        """The Host headers a browser sends for the app (the port is left out only for 80)."""
        names = ("127.0.0.1", "localhost")
        hosts = {f"{name}:{self.port}" for name in names}
        if self.port == 80:
            hosts.update(names)
        return frozenset(hosts)

    def origins(self) -> frozenset[str]:
        """The Origin headers of the app's own pages."""
        return frozenset(f"http://{host}" for host in self.hosts())

    def check(self, request: Request) -> Response | None:
        """Return the refusal of a request that may not be served, else None."""
        host = request.headers.get("Host", "").strip().lower()
        if host not in self.hosts():
            return _refusal(
                400,
                "地址不对",
                "本程序只接受通过 127.0.0.1 或 localhost 加本程序端口访问的请求。",
            )
        key = request.args.get(KEY_PARAMETER)
        if key is not None:
            if not _same(key, self.secret):
                return _refusal(403, "密钥不对", _OPEN_FROM_TERMINAL)
            # The secret moves to a cookie, and out of the address bar and the history.
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != KEY_PARAMETER]
            target = request.path + (f"?{urlencode(rest)}" if rest else "")
            response = Response(status=303, headers={"Location": target})
            response.set_cookie(
                self.cookie, self.secret, httponly=True, samesite="Strict", path="/"
            )
            return response
        if not _same(request.cookies.get(self.cookie, ""), self.secret):
            return _refusal(403, "请从本程序给出的地址进入", _OPEN_FROM_TERMINAL)
        if request.method in SAFE_METHODS:
            return None
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        if (origin is not None and origin not in self.origins()) or site not in (
            None,
            "same-origin",
            "none",
        ):
            return _refusal(403, "请求来自其他网站", "只接受本程序自己页面上的操作。")
        token = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
        if not _same(token, self.csrf):
            return _refusal(
                403,
                "页面已过期",
                "这个操作缺少有效的安全令牌（可能是页面在上次启动时打开的）。请刷新页面后再试。",
            )
        return None

    def protect(self, response: Response) -> Response:
        """Add the headers every answer carries."""
        response.headers.update(HEADERS)
        if "Cache-Control" not in response.headers or response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        return response


_OPEN_FROM_TERMINAL = (
    "为了安全，本程序只接受从启动时给出的地址（含本次启动的密钥）打开的页面。"
    "请关闭此页，在运行 duban app 的窗口中复制那个地址重新打开；或重新启动 duban app。"
)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _refusal(status: int, title: str, sentence: str) -> Response:
    body = render_template("refused.html", title=title, sentence=sentence)
    return Response(body, status=status, mimetype="text/html")
