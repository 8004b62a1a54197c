"""The worker's sending thread: every message, in order, one more in flight, and a broken pipe raised to the worker."""

from __future__ import annotations

import threading
import time
from multiprocessing import Pipe

import pytest

from models.intake import sending_ahead
from models.intake.sending_ahead import SendingAhead


def test_messages_arrive_whole_and_in_order_while_the_worker_runs_ahead() -> None:
    receiving, sending = Pipe(duplex=False)
    ahead = SendingAhead(sending)
    big = [bytes([n]) * (3 << 20) for n in range(5)]  # far more than the pipe holds: each write waits for the reader
    handed: list[float] = []
    for message in big[:2]:
        ahead.send(message)
        handed.append(time.monotonic())
    # Nobody reads yet: one message is being written and one waits, so both were handed over at once.
    assert handed[1] - handed[0] < 1.0
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend(receiving.recv_bytes() for _ in big))
    reader.start()
    for message in big[2:]:
        ahead.send(message)
    ahead.close()
    reader.join()
    assert got == big


def test_the_worker_waits_once_more_than_one_message_is_ahead() -> None:
    receiving, sending = Pipe(duplex=False)
    ahead = SendingAhead(sending)
    message = b"x" * (3 << 20)
    ahead.send(message)  # taken by the thread, which blocks writing it
    time.sleep(0.2)
    ahead.send(message)  # waits in the queue (AHEAD = 1)
    third = threading.Thread(target=ahead.send, args=(message,))
    third.start()
    third.join(0.5)
    assert third.is_alive() and sending_ahead.AHEAD == 1  # bounded: the worker stops here until the importer reads
    for _ in range(3):
        assert receiving.recv_bytes() == message
    third.join()
    ahead.close()


def test_a_broken_pipe_is_raised_in_the_worker_and_nothing_hangs() -> None:
    receiving, sending = Pipe(duplex=False)
    ahead = SendingAhead(sending)
    receiving.close()  # the importer is gone
    with pytest.raises(OSError):
        for _ in range(10):
            ahead.send(b"y" * (1 << 20))
            time.sleep(0.05)
    assert not ahead.written()
    with pytest.raises(OSError):
        ahead.close()


def test_written_says_every_message_went_and_the_pipe_still_takes_one() -> None:
    receiving, sending = Pipe(duplex=False)
    ahead = SendingAhead(sending)
    ahead.send(b"chunk")
    assert ahead.written()
    sending.send_bytes(b"failed")  # the worker's last word, after its chunks
    assert [receiving.recv_bytes(), receiving.recv_bytes()] == [b"chunk", b"failed"]
