"""Origins allowed to open the live socket: scheme, host and port all count
(``config/origins.py``); the socket's own refusals are tested in tests/notifications."""

from __future__ import annotations

import pytest

from config.origins import allowed_origins, origin_allowed


def test_production_origins_of_the_allowed_hosts_are_https_on_443() -> None:
    origins = allowed_origins([], ["dialogue.example.org"], production=True)
    assert origins == ["https://dialogue.example.org"]
    assert origin_allowed("https://dialogue.example.org", origins) is True
    assert origin_allowed("http://dialogue.example.org", origins) is False
    assert origin_allowed("https://dialogue.example.org:8443", origins) is False


def test_development_origins_are_http_on_any_port_of_the_allowed_hosts() -> None:
    origins = allowed_origins([], ["127.0.0.1", "localhost"], production=False)
    assert origin_allowed("http://127.0.0.1:8000", origins) is True
    assert origin_allowed("http://localhost:9999", origins) is True
    assert origin_allowed("https://localhost:9999", origins) is False
    assert origin_allowed("http://192.168.1.5:8000", origins) is False


def test_configured_origins_win_over_the_allowed_hosts() -> None:
    origins = allowed_origins(
        ["https://dialogue.example.org:8443"], ["dialogue.example.org"], production=True
    )
    assert origin_allowed("https://dialogue.example.org:8443", origins) is True
    assert origin_allowed("https://dialogue.example.org", origins) is False


def test_a_dotted_host_admits_its_subdomains_on_the_same_scheme_and_port() -> None:
    origins = ["https://.example.org"]
    assert origin_allowed("https://live.example.org", origins) is True
    assert origin_allowed("https://example.org", origins) is True
    assert origin_allowed("https://live.example.org:444", origins) is False
    assert origin_allowed("https://example.org.evil.example", origins) is False


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("dialogue.example.org", "has no scheme: write https://dialogue.example.org"),
        ("ftp://dialogue.example.org", "is not an origin"),
        ("https://dialogue.example.org/live", "only scheme://host[:port]"),
    ],
)
def test_an_origin_without_scheme_or_with_a_path_is_refused_with_a_clear_message(
    pattern: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        allowed_origins([pattern], [], production=True)


@pytest.mark.parametrize("origin", [None, "", "null", "http://", "http://host:99999"])
def test_a_missing_or_malformed_origin_is_refused(origin: str | None) -> None:
    assert origin_allowed(origin, ["http://host:*", "https://*"]) is False
