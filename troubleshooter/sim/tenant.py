"""SimTenant: start, stop and drive a simulated Microsoft 365 tenant."""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

from .context import SimContext
from .extra import extra_users
from .faults import FaultLayer, OutageMode
from .home import HomeService
from .hosts import HOME_HOST, INDEX_HOSTS, LOGIN_HOST, MY_HOST, OUTLOOK_HOST, SP_HOST, SimUrls
from .login import LoginService
from .options import SimOptions, SimUser
from .outage import Outage
from .outlook import OutlookService
from .people import add_people_api
from .server import SimHTTPServer
from .sharepoint import SharePointService
from .state import TenantState
from .throttle import Throttle, ThrottledRouter
from .users import DEMO_PASSWORD, DEMO_TOTP_SECRET, TENANT_DOMAIN, demo_users
from .web import Request, Response, Router, json_response, text


class SimServeError(OSError):
    """The tenant cannot listen where it was asked to (port in use, no permission…).

    ``str(error)`` is one readable sentence; ``errno`` is the one the socket reported.
    """


def _bind(host: str, port: int) -> SimHTTPServer:
    try:
        return SimHTTPServer((host, port), {})
    except OSError as exc:
        where = f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            reason = (
                f"port {port} is already in use (another program, or another simulated "
                "tenant, listens there); choose another port, or port 0 for any free one"
            )
        elif exc.errno in (errno.EACCES, errno.EPERM):
            reason = f"not allowed to listen on port {port}; choose a port above 1023"
        elif exc.errno == errno.EADDRNOTAVAIL:
            reason = f"{host} is not an address of this machine"
        else:
            reason = exc.strerror or str(exc)
        error = SimServeError(f"cannot serve the simulated tenant on {where}: {reason}")
        error.errno = exc.errno
        raise error from None
    except OverflowError:
        message = f"cannot serve the simulated tenant on port {port}: no such port"
        raise SimServeError(message) from None


class SimTenant:
    """A simulated Microsoft 365 tenant served over HTTP on one port."""

    def __init__(self, options: SimOptions | None = None, users: list[SimUser] | None = None):
        self.options = options or SimOptions()
        everyone = users if users is not None else demo_users()
        if self.options.extra_users:
            extra = extra_users(
                self.options.extra_users, TENANT_DOMAIN, DEMO_PASSWORD, self.options.extra_seed
            )
            everyone = [*everyone, *extra]
        self.state = TenantState(self.options, everyone)
        opts = self.options
        self.throttle: Throttle | None = None
        if opts.throttle_rate > 0:
            self.throttle = Throttle(
                opts.throttle_rate,
                opts.throttle_burst,
                opts.throttle_retry_after,
                opts.throttle_http_date,
            )
        hosts = {"login": LOGIN_HOST, "home": HOME_HOST, "sharepoint": SP_HOST}
        hosts |= {"my": MY_HOST, "outlook": OUTLOOK_HOST}
        faults = opts.faults
        outage_host = hosts[faults.outage_host] if faults.outage_host else None
        self.outage = Outage(outage_host, faults.outage_after, faults.outage_mode)
        """The tenant stopping mid-run (``SimOptions.outage_*``, or ``stop_answering()``)."""
        self.faults = FaultLayer(opts.faults) if opts.faults.any else None
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._login: LoginService | None = None
        self._urls: SimUrls | None = None

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> SimTenant:
        """Serve in a daemon thread; returns once the server accepts connections."""
        if self._server is not None:
            raise RuntimeError("the simulated tenant is already running")
        server = _bind(host, port)
        self._urls = SimUrls(server.server_address[1])
        ctx = SimContext(self.options, self.state, self._urls)
        self._login = LoginService(ctx)
        sp, my = SharePointService(ctx, "sp"), SharePointService(ctx, "my")
        add_people_api(sp.router, ctx)
        index = self._index_router(ctx)
        routers: dict[str, Router] = {
            LOGIN_HOST: self._login.router,
            HOME_HOST: HomeService(ctx).router,
            SP_HOST: sp.router,
            MY_HOST: my.router,
            OUTLOOK_HOST: OutlookService(ctx).router,
        }
        if self.throttle is not None:
            routers = {h: ThrottledRouter(r, self.throttle) for h, r in routers.items()}
        if self.faults is not None:
            wrap = self.faults.wrap
            routers = {h: wrap(r, photos=h in (SP_HOST, MY_HOST)) for h, r in routers.items()}
        server.routers.update({**routers, **{h: index for h in INDEX_HOSTS}})
        server.before_request.append(self.state.tick)
        server.outage = self.outage
        self.outage.on_down = self._went_down
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sim-tenant-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._wait_ready(host)
        return self

    def _wait_ready(self, host: str) -> None:
        probe = "127.0.0.1" if host in ("", "0.0.0.0") else host
        deadline = time.monotonic() + 5
        while True:
            try:
                with socket.create_connection((probe, self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving and close the socket (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def stop_answering(self, mode: OutageMode | None = None) -> None:
        """From now on, refuse (or reset) every connection, as a tenant that went away."""
        self.outage.stop_answering(mode)

    def _went_down(self, mode: OutageMode) -> None:
        server = self._server
        if mode == "refuse" and server is not None:
            # Not in the request's thread: shutdown() waits for the serving loop.
            threading.Thread(target=_close_listener, args=(server,), daemon=True).start()

    def __enter__(self) -> SimTenant:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- facts ----------------------------------------------------------------------------
    @property
    def urls(self) -> SimUrls:
        if self._urls is None:
            raise RuntimeError("start() the simulated tenant first")
        return self._urls

    @property
    def port(self) -> int:
        return self.urls.port

    @property
    def running(self) -> bool:
        return self._server is not None

    # ---- people ---------------------------------------------------------------------------
    def approve_push(self, upn: str) -> None:
        """A person approves the push MFA request of ``upn`` (a pending one, or the next one)."""
        self.state.approve_push(upn)

    def pending_push_number(self, upn: str) -> int | None:
        """The number the push page of ``upn`` shows, if one is waiting."""
        return self._login.pending_push_number(upn) if self._login else None

    # ---- the index page on 127.0.0.1 ------------------------------------------------------
    def _index_router(self, ctx: SimContext) -> Router:
        router = Router()

        def index(req: Request) -> Response:
            rows = []
            for user in self.state.users:
                copy = self.state.sharepoint_photo(user.upn)
                rows.append({"user": user, "status": photo_status(user, copy)})
            return ctx.render(
                "index.html",
                rows=rows,
                options=self.options,
                password=DEMO_PASSWORD,
                totp_secret=DEMO_TOTP_SECRET,
            )

        def approve(req: Request) -> Response:
            upn = req.arg("upn") or req.form.get("upn", "")
            if self.state.user(upn) is None:
                return text("unknown user", 404)
            self.approve_push(upn)
            return json_response({"approved": upn})

        router.add("GET", r"/", index)
        router.add("POST", r"/_sim/approve-push", approve)
        return router


def _close_listener(server: SimHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def photo_status(user: SimUser, copy: bytes | None) -> str:
    """A one-word summary of how SharePoint's copy relates to the photo of record."""
    if user.photo_of_record is None:
        return "no photo" if copy is None else "orphan copy"
    if copy is None:
        return "no copy"
    return "in sync" if copy == user.photo_of_record else "stale"


def serve_forever(
    options: SimOptions | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[SimTenant], None] | None = None,
) -> None:
    """Run a tenant until KeyboardInterrupt (for a ``sim serve`` command), then stop it.

    Raises ``SimServeError`` (an ``OSError`` with a one-sentence message) when it cannot
    listen on ``host:port``, e.g. because the port is already in use.
    """
    sim = SimTenant(options=options)
    sim.start(host=host, port=port)
    try:
        if on_ready is not None:
            on_ready(sim)
        while sim.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
