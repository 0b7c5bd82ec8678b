"""Content negotiation (RFC 9110 section 12.5.1) as a pure function."""

from __future__ import annotations

import random

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

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
        # RFC 9110 12.5.1: the most specific matching range gives the q-value
        ("application/*;q=0.9, application/n-triples;q=0.1", "application/ld+json"),
        ("*/*;q=0.5, text/turtle;q=0", "application/n-triples"),
        # equal q and specificity: the server's order decides
        ("application/ld+json, application/n-triples", "application/n-triples"),
        ("TEXT/Turtle;q=0.4, application/*;q=0.3", "text/turtle"),
        # a range with parameters matches only a type with the same parameters
        ("text/turtle;charset=utf-8, application/ld+json;q=0.5", "application/ld+json"),
    ],
)
def test_negotiate_honours_q_values(accept, expected):
    assert negotiate(accept, OFFERED) == expected


def test_syntax_names_and_extensions_agree():
    assert syntax_by_name("ttl") is syntax_by_name("turtle")
    assert syntax_by_name("owl").name == "rdfxml"


def test_negotiate_agrees_with_werkzeugs_best_match():
    """The look-up match gives what werkzeug's ``MIMEAccept.best_match`` gives (the reference:
    ``negotiate`` only avoids its every-range-against-every-offer cost), on headers built from
    exact, ``type/*`` and ``*/*`` ranges, repeated ranges and good, zero and invalid q-values."""
    offered = [
        "application/sparql-results+json",
        "application/json",
        "application/xml",
        "text/csv",
        "text/html",
    ]
    ranges = [*offered, "text/*", "application/*", "*/*", "image/png", "TEXT/CSV"]
    qs = [None, "0", "0.1", "0.5", "1", "abc"]
    rng = random.Random(10)
    for _ in range(3000):
        parts = [rng.choice(ranges) for _ in range(rng.randint(1, 5))]
        accept = ", ".join(
            p if q is None else f"{p};q={q}" for p, q in ((p, rng.choice(qs)) for p in parts)
        )
        offer = rng.sample(offered, rng.randint(1, len(offered)))
        expected = parse_accept_header(accept, MIMEAccept).best_match(offer)
        assert negotiate(accept, offer) == expected, (accept, offer)
