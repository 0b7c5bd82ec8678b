"""Guards on input files: every refusal names the file (and line where there is one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkg.errors import InputError
from govkg.loading import parse_file


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_rdfxml_with_entity_declaration_is_refused(tmp_path: Path):
    path = _write(
        tmp_path,
        "x.rdf",
        b'<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY e SYSTEM '
        b'"file:///etc/passwd">]>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"/>\n',
    )
    with pytest.raises(InputError, match="DOCTYPE") as failure:
        parse_file(path)
    assert failure.value.path == path and failure.value.line == 2


@pytest.mark.parametrize(
    "context",
    ['"http://127.0.0.1:9/context.jsonld"', '["file:///etc/passwd", {"@vocab": "urn:x:"}]'],
)
def test_jsonld_with_a_remote_or_file_context_is_refused(tmp_path: Path, context: str):
    path = _write(tmp_path, "x.jsonld", f'{{"@context": {context}, "@id": "urn:a"}}'.encode())
    with pytest.raises(InputError, match="@context"):
        parse_file(path)


def test_jsonld_with_an_inline_context_is_read(tmp_path: Path):
    path = _write(tmp_path, "x.jsonld", b'{"@context": {"n": "urn:x:n"}, "@id": "urn:a", "n": "v"}')
    assert len(parse_file(path)) == 1


def test_bad_utf8_names_the_line(tmp_path: Path):
    path = _write(tmp_path, "x.ttl", b'<urn:a> <urn:b> "ok" .\n<urn:a> <urn:b> "\xff" .\n')
    with pytest.raises(InputError, match="not UTF-8") as failure:
        parse_file(path)
    assert failure.value.line == 2


def test_binary_garbage_is_refused(tmp_path: Path):
    path = _write(tmp_path, "x.nt", b"\x00\x01\x02garbage")
    with pytest.raises(InputError):
        parse_file(path)


def test_turtle_syntax_error_names_the_line(tmp_path: Path):
    path = _write(tmp_path, "x.ttl", b'<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> "open .\n')
    with pytest.raises(InputError) as failure:
        parse_file(path)
    assert failure.value.line == 2
    assert str(failure.value).startswith(f"{path}:2: syntax error")


def test_unknown_extension_is_refused(tmp_path: Path):
    with pytest.raises(InputError, match="unknown RDF syntax"):
        parse_file(_write(tmp_path, "x.docx", b"x"))


def test_a_relative_path_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`govkg serve --data plain.nt` passes a relative path (its base IRI is the file's)."""
    _write(tmp_path, "plain.nt", b"<urn:a> <urn:b> <urn:c> .\n")
    monkeypatch.chdir(tmp_path)
    assert len(parse_file(Path("plain.nt"))) == 1
