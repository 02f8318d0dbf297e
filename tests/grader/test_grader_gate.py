"""The grader's TCP gate: counts connections, refuses the first few, filters and notes statuses."""

import socket
import socketserver
import threading

import pytest

from grading.gate import FORBIDDEN, REFUSAL, Gate


class Answer(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(1024)
        self.request.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def upstream():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def exchange(port, data=b"POST /v3/mail/send HTTP/1.1\r\n\r\n"):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        try:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # a refused connection may be closed before the request is written
        received = b""
        while chunk := conn.recv(1024):
            received += chunk
        return received


def test_counts_refuses_and_notes_statuses(upstream):
    gate = Gate(upstream).start()
    try:
        gate.reset(refuse_first=2)
        answers = [exchange(gate.port) for _ in range(3)]
        assert answers[:2] == [REFUSAL, REFUSAL]
        assert answers[2].startswith(b"HTTP/1.1 202")
        assert gate.count == 3
        assert gate.statuses == [202]
        gate.reset()
        assert (gate.count, gate.statuses) == (0, [])
    finally:
        gate.stop()


def test_refuses_what_it_does_not_allow(upstream):
    gate = Gate(upstream, allow=b"POST /v3/mail/send ").start()
    try:
        assert exchange(gate.port, b"DELETE /api/v1/messages HTTP/1.1\r\n\r\n") == FORBIDDEN
        assert exchange(gate.port).startswith(b"HTTP/1.1 202")
        assert gate.statuses == [202]
    finally:
        gate.stop()
