"""Content negotiation (RFC 9110 section 12.5.1) as a pure function."""

from __future__ import annotations

import pytest

from govkg.formats import negotiate, syntax_by_name

OFFERED = ["text/turtle", "application/n-triples", "application/ld+json"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("", "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("application/*;q=0.9, text/turtle;q=0.1", "application/n-triples"),
        ("text/html", None),
        ("text/turtle;q=0", None),
        ("application/ld+json;q=abc, text/turtle;q=0.2", "text/turtle"),
    ],
)
def test_negotiate_honours_q_values(accept, expected):
    assert negotiate(accept, OFFERED) == expected


def test_syntax_names_and_extensions_agree():
    assert syntax_by_name("ttl") is syntax_by_name("turtle")
    assert syntax_by_name("owl").name == "rdfxml"
