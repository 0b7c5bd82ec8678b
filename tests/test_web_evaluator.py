"""The killable evaluator processes: a time limit that stops the evaluation, a crash that is
answered and repaired, streamed answers, and errors that travel back by class."""

from __future__ import annotations

import os
import signal
import time

import pytest

from govkg.errors import QueryError
from govkg.sparql_guard import GuardError
from govkg.web.errors import EvaluatorFailedError, QueryTimeoutError
from govkg.web.evaluator import CHUNK_BYTES, EvaluatorPool, Sink


def _task(request: bytes, sink: Sink) -> None:
    command, _, argument = request.decode().partition(" ")
    if command == "echo":
        sink.start("text/plain")
        sink.write(argument.encode())
    elif command == "pid":
        sink.start("text/plain")
        sink.write(str(os.getpid()).encode())
    elif command == "spin":
        while True:  # a runaway evaluation: only killing the process stops it
            pass
    elif command == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif command == "big":
        sink.start("application/octet-stream")
        for _ in range(int(argument)):
            sink.write(b"x" * 1000)
    elif command == "malformed":
        raise QueryError("malformed query: at 1:3")
    elif command == "guard":
        raise GuardError("too deep", kind="too-deep")
    elif command == "oops":
        raise RuntimeError("/secret/path/in/a/message")


@pytest.fixture
def pool():
    pool = EvaluatorPool(_task, size=1)
    yield pool
    pool.close()


def test_small_answers_come_back_whole(pool):
    reply = pool.run(b"echo hello", timeout=10)
    assert (reply.media_type, reply.body, reply.rest) == ("text/plain", b"hello", None)


def test_the_evaluator_is_reused(pool):
    first = pool.run(b"pid", timeout=10).body
    assert pool.run(b"pid", timeout=10).body == first
    assert int(first) != os.getpid()


def test_time_limit_kills_the_evaluation_and_a_new_evaluator_follows(pool):
    busy = int(pool.run(b"pid", timeout=10).body)
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="time limit of 1 s"):
        pool.run(b"spin", timeout=1)
    assert 0.9 < time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(busy, 0)  # the spinning process is gone, not left running
    assert int(pool.run(b"pid", timeout=10).body) != busy


def test_a_crash_is_answered_and_repaired(pool):
    with pytest.raises(EvaluatorFailedError, match="stopped unexpectedly"):
        pool.run(b"crash", timeout=10)
    assert pool.run(b"echo again", timeout=10).body == b"again"


def test_large_answers_are_streamed_in_pieces(pool):
    reply = pool.run(b"big 300", timeout=10)
    assert reply.rest is not None and CHUNK_BYTES <= len(reply.body) < 300_000
    pieces = [reply.body, *reply.rest]
    assert sum(map(len, pieces)) == 300_000
    assert pool.run(b"echo done", timeout=10).body == b"done"


def test_closing_a_stream_early_frees_the_pool(pool):
    reply = pool.run(b"big 500", timeout=10)
    reply.close()
    assert pool.run(b"echo next", timeout=10).body == b"next"


def test_read_all_with_a_limit(pool):
    assert pool.run(b"big 200", timeout=10).read_all(limit=100_000) is None
    assert len(pool.run(b"big 200", timeout=10).read_all()) == 200_000


def test_errors_travel_back_by_class(pool):
    with pytest.raises(QueryError, match="malformed query"):
        pool.run(b"malformed", timeout=10)
    with pytest.raises(GuardError) as caught:
        pool.run(b"guard", timeout=10)
    assert caught.value.kind == "too-deep"


def test_unexpected_errors_say_nothing_of_their_message(pool):
    with pytest.raises(EvaluatorFailedError) as caught:
        pool.run(b"oops", timeout=10)
    assert "secret" not in caught.value.message and "RuntimeError" in caught.value.message


def test_a_forked_copy_of_a_pool_starts_empty(pool):
    pool.start()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            ok = pool.run(b"pid", timeout=10).body != str(os.getpid()).encode()
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 1) == b"1"
