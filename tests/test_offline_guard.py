"""The suite is offline: the conftest guard stops anything aimed beyond loopback and fails the
test that tried, even when the code under test swallowed the error."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import dns.resolver
import pytest

from app.golook.dns_check import DnsConfig, lookup_mail, make_resolver
from tests.network_guard import BlockedAttempt, NetworkAccessBlocked, take_attempts

pytest_plugins = ["pytester"]

TEST_NET = "192.0.2.1"  # RFC 5737: documentation only, never routed


@pytest.fixture
def blocked() -> Iterator[list[BlockedAttempt]]:
    """The attempts this test expects to be blocked (taken off the record, so it passes)."""
    seen: list[BlockedAttempt] = []
    yield seen
    seen += take_attempts()


def _expect(attempts: list[BlockedAttempt], *targets: str) -> None:
    attempts += take_attempts()
    assert [a.target for a in attempts] == list(targets)
    attempts.clear()


def test_a_connection_beyond_loopback_is_stopped_before_the_kernel_sees_it(
    blocked: list[BlockedAttempt],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkAccessBlocked, match=r"192\.0\.2\.1:9"):
            sock.connect((TEST_NET, 9))
        # a connect the kernel had started would have bound an ephemeral local port
        assert sock.getsockname()[1] == 0
    _expect(blocked, f"{TEST_NET}:9")


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(lambda s: s.connect_ex((TEST_NET, 9)), id="connect_ex"),
        pytest.param(lambda s: s.sendto(b"x", (TEST_NET, 9)), id="sendto"),
        pytest.param(lambda s: s.sendto(b"x", 0, (TEST_NET, 9)), id="sendto-flags"),
        pytest.param(lambda s: s.sendmsg([b"x"], [], 0, (TEST_NET, 9)), id="sendmsg"),
    ],
)
def test_udp_and_non_raising_calls_are_stopped_too(attempt, blocked) -> None:  # type: ignore[no-untyped-def]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(NetworkAccessBlocked):
            attempt(sock)
        assert sock.getsockname()[1] == 0  # never auto-bound: nothing was sent
    _expect(blocked, f"{TEST_NET}:9")


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(lambda: socket.getaddrinfo("example.com", 80), id="getaddrinfo"),
        pytest.param(lambda: socket.gethostbyname("example.com"), id="gethostbyname"),
        pytest.param(lambda: socket.gethostbyname_ex("example.com"), id="gethostbyname_ex"),
        pytest.param(lambda: socket.gethostbyaddr("example.com"), id="gethostbyaddr"),
    ],
)
def test_a_name_lookup_is_stopped(lookup, blocked) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NetworkAccessBlocked, match=r"example\.com"):
        lookup()
    _expect(blocked, "example.com")


def test_create_connection_is_stopped_before_it_resolves(blocked: list[BlockedAttempt]) -> None:
    with pytest.raises(NetworkAccessBlocked):
        socket.create_connection(("example.com", 443), timeout=1)
    _expect(blocked, "example.com:443")


def test_the_system_dns_stub_on_loopback_port_53_is_stopped(blocked: list[BlockedAttempt]) -> None:
    """systemd-resolved (127.0.0.53) and friends forward the question to the internet."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(OSError):
        sock.sendto(b"query", ("127.0.0.53", 53))
    _expect(blocked, "127.0.0.53:53")


def test_dnspython_against_a_real_resolver_is_caught(blocked: list[BlockedAttempt]) -> None:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["192.0.2.53"]
    resolver.lifetime = 2.0
    with pytest.raises(dns.resolver.NoNameservers):  # gives up at once, as on a dead network
        resolver.resolve("example.com", "MX")
    _expect(blocked, "192.0.2.53:53")


def test_go_look_on_the_system_resolver_is_recorded_although_it_says_unknown(
    blocked: list[BlockedAttempt],
) -> None:
    """What the import wizard did: the failure became an "error" answer; the record remains."""
    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration:
        pytest.skip("this machine has no resolver configured")
    if not system.nameservers:
        pytest.skip("this machine has no resolver configured")
    answer = lookup_mail(make_resolver(DnsConfig(timeout=2.0)), "example.com")
    assert answer.dns_status == "error"
    attempts = take_attempts()
    assert attempts and all(a.call in ("sendto", "connect", "connect_ex") for a in attempts)
    assert attempts[0].target.endswith(":53")


def test_an_attempt_from_a_background_thread_is_recorded(blocked: list[BlockedAttempt]) -> None:
    def worker() -> None:
        with contextlib.suppress(OSError):  # swallowed, as a background task might
            socket.getaddrinfo("example.org", 443)

    thread = threading.Thread(target=worker, name="swallower")
    thread.start()
    thread.join()
    attempts = take_attempts()
    assert [(a.target, a.thread) for a in attempts] == [("example.org", "swallower")]


def test_loopback_works() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def echo() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(conn.recv(64).upper())

        thread = threading.Thread(target=echo)
        thread.start()
        with socket.create_connection(("localhost", port), timeout=5) as client:
            client.sendall(b"hello")
            assert client.recv(64) == b"HELLO"
        thread.join()
    assert socket.getaddrinfo("127.0.0.1", port)
    assert socket.gethostbyname("localhost").startswith("127.")
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b,
    ):
        b.bind(("127.0.0.1", 0))
        a.sendto(b"ping", b.getsockname())
        assert b.recv(16) == b"ping"


def test_a_unix_socket_works(tmp_path) -> None:  # type: ignore[no-untyped-def]
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"x")
        assert right.recv(1) == b"x"
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


def test_a_subprocess_is_guarded_and_reports_back(blocked: list[BlockedAttempt]) -> None:
    code = (
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('example.net', 80)\n"
        "except OSError as exc:\n"
        "    print(type(exc).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "NetworkAccessBlocked"
    attempts = take_attempts()
    assert [a.target for a in attempts] == ["example.net"]
    assert attempts[0].pid != 0 and "subprocess" in attempts[0].describe()


def test_a_test_that_swallows_the_error_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_swallow="""
        import socket

        def test_swallows():
            with socket.socket() as sock:
                try:
                    sock.connect(("192.0.2.1", 9))
                except Exception:
                    pass

        def test_stays_on_loopback():
            socket.getaddrinfo("localhost", 80)
        """
    )
    result = pytester.runpytest("-p", "tests.conftest")  # the real conftest, as a plugin
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallows*",
            "*1 network access(es) beyond loopback blocked*",
            "connect to 192.0.2.1:9 (thread 'MainThread')*",
        ]
    )
