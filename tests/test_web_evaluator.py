"""The killable evaluator processes: a time limit that stops the evaluation, a crash that is
answered and repaired, answers read whole (spooled when large) so that the evaluator is free
before the client reads, a bounded queue, a spawner that forks them, and errors that travel
back by class."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from govkg.errors import QueryError
from govkg.sparql_guard import GuardError
from govkg.web.errors import EvaluatorFailedError, QueryTimeoutError, ServiceBusyError
from govkg.web.evaluator import SPOOL_MEMORY_BYTES, EvaluatorPool, Sink


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
    elif command == "sleep":
        time.sleep(float(argument))
        sink.start("text/plain")
        sink.write(b"slept")
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
    assert (reply.media_type, reply.body, reply.spool, reply.size) == (
        "text/plain",
        b"hello",
        None,
        5,
    )


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
    # the spinning process is gone, not left running. The kernel reaps it (its spawner ignores
    # SIGCHLD) just after its pidfd reports the exit, so its pid may linger a moment longer.
    assert _gone_within(busy, 5.0)
    assert int(pool.run(b"pid", timeout=10).body) != busy


def _gone_within(pid: int, seconds: float) -> bool:
    """Whether process ``pid`` no longer exists (or is only an exited, unreaped zombie)
    within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def test_a_crash_is_answered_and_repaired(pool):
    with pytest.raises(EvaluatorFailedError, match="stopped unexpectedly"):
        pool.run(b"crash", timeout=10)
    assert pool.run(b"echo again", timeout=10).body == b"again"


def test_large_answers_are_read_whole_in_memory(pool):
    reply = pool.run(b"big 300", timeout=10)
    assert reply.spool is None and reply.size == len(reply.body) == 300_000
    assert sum(map(len, reply.chunks(4096))) == 300_000


def test_answers_over_the_memory_bound_are_spooled_to_a_file(pool):
    count = SPOOL_MEMORY_BYTES // 1000 + 500
    reply = pool.run(f"big {count}".encode(), timeout=10)
    assert reply.spool is not None and reply.body == b""
    assert reply.size == count * 1000
    assert sum(map(len, reply.chunks())) == count * 1000
    assert reply.spool.closed  # read to its end: the temporary file is gone


def test_the_evaluator_is_free_before_the_answer_is_read(pool):
    """A slow reader never holds an evaluator: the pool of one answers the next request
    while the first large answer is still unread."""
    unread = pool.run(b"big 6000", timeout=10)
    assert pool.run(b"echo next", timeout=10).body == b"next"
    assert unread.read_all() == b"x" * 6_000_000


def test_read_all_with_a_limit(pool):
    assert pool.run(b"big 200", timeout=10).read_all(limit=100_000) is None
    assert len(pool.run(b"big 200", timeout=10).read_all()) == 200_000


def test_a_full_queue_is_refused_at_once():
    pool = EvaluatorPool(_task, size=1, max_queued=0)
    try:
        busy = threading.Thread(target=pool.run, args=(b"sleep 1.5", 10))
        busy.start()
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(ServiceBusyError, match="saturated"):
            pool.run(b"echo late", timeout=10)
        assert time.monotonic() - started < 0.2
        busy.join(10)
        assert pool.run(b"echo later", timeout=10).body == b"later"
    finally:
        pool.close()


def test_a_queued_request_waits_at_most_the_queue_timeout():
    pool = EvaluatorPool(_task, size=1, max_queued=4, queue_timeout=0.5)
    try:
        busy = threading.Thread(target=pool.run, args=(b"sleep 2", 10))
        busy.start()
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(ServiceBusyError, match="busy for 0.5 s"):
            pool.run(b"echo late", timeout=10)
        assert 0.45 < time.monotonic() - started < 1.5
        busy.join(10)
    finally:
        pool.close()


def test_many_threads_share_the_evaluators():
    pool = EvaluatorPool(_task, size=2, max_queued=16)
    answers: list[bytes] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        for round_ in range(15):
            body = pool.run(f"echo {index}-{round_}".encode(), timeout=10).body
            with lock:
                answers.append(body)

    try:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        expected = {f"{i}-{r}".encode() for i in range(8) for r in range(15)}
        assert sorted(answers) == sorted(expected)
    finally:
        pool.close()


def _parent_and_name(pid: int) -> tuple[int, str]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    name = Path(f"/proc/{pid}/comm").read_text().strip()
    return int(stat.rsplit(")", 1)[1].split()[1]), name


def test_evaluators_are_forked_by_a_single_threaded_spawner(pool):
    pool.start()
    evaluator = int(pool.run(b"pid", timeout=10).body)
    spawner, name = _parent_and_name(evaluator)
    assert name == "govkg-evaluator"
    assert _parent_and_name(spawner) == (os.getpid(), "govkg-spawner")
    assert len(os.listdir(f"/proc/{spawner}/task")) == 1  # one thread: forking is safe
    pool.close()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{evaluator}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{evaluator}").exists()  # the evaluators die with their spawner


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
