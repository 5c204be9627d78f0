"""The WSGI app (auth, injected faults and delays, request log) and the threaded server that runs it."""

from __future__ import annotations

import socket
import sys
import threading
import time
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from . import api, control, errors, ids
from .http11 import CONNECTION_ENVIRON, KeepAliveServer
from .wsgi_util import json_response

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .chaos import ChaosFault
    from .fake_platform import FakeLinePlatform
    from .state import Delay

API_PREFIX = "/v2/"
# Issuing a channel access token takes the channel id and secret in the form, no bearer token.
OAUTH_PATHS = frozenset({"/v2/oauth/accessToken"})
CHANNEL_ENVIRON = "linesim.channel"  # the channel the request's access token belongs to
# The chat page polls these every second or so: successful polls are not logged.
POLL_PATHS = frozenset({"/_fake/thread", "/_fake/threads", "/_fake/richmenu"})


class FakeLineApp:
    """Routes `/v2/...` to the Messaging API and everything else to the control endpoints."""

    def __init__(self, platform: FakeLinePlatform, log_requests: bool = False) -> None:
        self.platform = platform
        self.log_requests = log_requests

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        request = Request(environ)
        response: Response | None
        if request.path in OAUTH_PATHS:
            response, delay_after = api.issue_token(self.platform.state, request), 0.0
        elif request.path.startswith(API_PREFIX):
            response, delay_after = self._api(request)
        else:
            response, delay_after = control.handle(self.platform, request), 0.0
        if response is None:
            if self.log_requests:
                print(f"fake-line {request.method} {request.path} -> connection dropped", file=sys.stderr,
                      flush=True)
            _drop(environ)
            return []
        if self.log_requests and not (request.path in POLL_PATHS and response.status_code == 200):
            self._log(request, response, started)
        if delay_after:
            time.sleep(delay_after)
        return response(environ, start_response)

    def _authorized(self, request: Request) -> str | None:
        """The channel whose (unexpired) access token the request carries, None for none."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return self.platform.state.channel_for_token(header[len("Bearer "):])

    def _api(self, request: Request) -> tuple[Response | None, float]:
        """The response (None: drop the connection without one) and how long to wait before answering."""
        state = self.platform.state
        request_id = ids.new_request_id()
        delay_after = 0.0
        held: Delay | None = None  # answered once the test releases it (FakeLinePlatform.hold_answers)
        dropped: dict[str, str] = {}
        response: Response | None
        chaos: ChaosFault | None = None
        channel = self._authorized(request)
        request.environ[CHANNEL_ENVIRON] = channel
        if channel is None:
            response = json_response(401, {"message": errors.AUTH_FAILED})
        elif (fault := state.take_fault(request.path)) is not None:
            response = json_response(fault.status, fault.body)
        elif (drop := state.take_drop(request.path)) is not None:
            if drop.after_accept:
                api.handle(state, request, request_id)  # carried out; its answer never leaves
            response, dropped = None, {"dropped": "after_accept" if drop.after_accept else "before_accept"}
        elif (chaos := self._chaos(request.path)) is not None and not chaos.carried_out and not chaos.drops:
            response = json_response(chaos.status, chaos.body, chaos.headers)  # 500 / 429: not carried out
        elif chaos is not None and chaos.drops:
            request.get_data()  # read, so that the connection holds no half-read body when it is closed
            if chaos.carried_out:
                api.handle(state, request, request_id)
            response, dropped = None, {"dropped": "after_accept" if chaos.carried_out else "before_accept"}
        elif chaos is not None:  # late: carried out, answered after a while
            delay_after = chaos.delay_seconds
            response = api.handle(state, request, request_id)
        else:
            delay = state.take_delay(request.path)
            if delay is not None and not delay.after_accept:
                time.sleep(delay.seconds)
            elif delay is not None and delay.release is not None:
                held = delay
            elif delay is not None:
                delay_after = delay.seconds
            response = api.handle(state, request, request_id)
            delay_after += state.latency
        if response is not None:
            response.headers["x-line-request-id"] = request_id
        state.log_request(
            {
                "method": request.method,
                "path": request.path,
                "status": None if response is None else response.status_code,  # None: dropped, no answer
                **dropped,
                **({"chaos": chaos.kind} if chaos is not None else {}),
                "retry_key": request.headers.get("X-Line-Retry-Key"),
                "request_id": request_id,
                "channel": channel,
                "at": time.time(),
            }
        )
        if held is not None and held.release is not None:
            held.release.wait(held.seconds)
        return response, delay_after

    def _chaos(self, path: str) -> ChaosFault | None:
        """A random fault for this request, when the platform has a Chaos policy (linesim.chaos)."""
        chaos = self.platform.chaos
        return None if chaos is None else chaos.pick(path)

    @staticmethod
    def _log(request: Request, response: Response, started: float) -> None:
        # One line per request; never the body (it holds what citizens wrote).
        millis = (time.monotonic() - started) * 1000
        retry_key = request.headers.get("X-Line-Retry-Key")
        extra = f" retry_key={retry_key}" if retry_key else ""
        print(
            f"fake-line {request.method} {request.path} -> {response.status_code} {millis:.0f}ms{extra}",
            file=sys.stderr,
            flush=True,
        )


def _drop(environ: WSGIEnvironment) -> None:
    """Close the client's connection with no HTTP answer, and tell the server it is gone."""
    connection: socket.socket = environ[CONNECTION_ENVIRON]
    connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("the fake LINE platform dropped the connection")


class ServerThread:
    """The keep-alive server (linesim/http11.py) in a daemon thread."""

    def __init__(self, app: FakeLineApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = KeepAliveServer(host, port, app)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-line", daemon=True
        )

    @property
    def base_url(self) -> str:
        host = self._server.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._server.port}"

    @property
    def connections_accepted(self) -> int:
        return self._server.connections_accepted

    def start(self) -> str:
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(timeout=5)
