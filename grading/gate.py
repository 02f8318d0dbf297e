"""A TCP relay in front of the catcher that counts connections and can refuse the first few.

It runs in the grader, outside the sandbox: the count of SMTP connections a
submission opened, and its retries after a "421 try again later", are observed
where the submission cannot touch them. In front of an HTTP server it also
notes the status of each answer, such as the SendGrid mock's 202 or 401.
"""

import asyncio
import re
import threading

LOOPBACK = "127.0.0.1"
REFUSAL = b"421 4.3.2 Service not available, try again later\r\n"
CHUNK = 64 * 1024
FORBIDDEN = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
FIRST_BYTES_TIMEOUT = 5.0
STATUS_LINE = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})")


class Gate:
    def __init__(self, target_port, allow=None):
        self.target_port = target_port
        # When set, a connection whose first bytes do not start with `allow` is refused.
        self.allow = allow
        self.port = None
        self._lock = threading.Lock()
        self._count = 0
        self._refuse_first = 0
        self._statuses = []
        self._loop = None
        self._thread = None
        self._server = None
        self._tasks = set()

    def start(self):
        """Listen on a free loopback port; return self."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gate", daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(10)
        return self

    async def _listen(self):
        self._server = await asyncio.start_server(self._handle, LOOPBACK, 0)
        return self._server.sockets[0].getsockname()[1]

    def stop(self):
        if self._loop is None:
            return

        async def close():
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()
            self._loop = None

    def reset(self, refuse_first=0):
        """Zero the count; refuse the next `refuse_first` connections with a 421."""
        with self._lock:
            self._count = 0
            self._refuse_first = refuse_first
            self._statuses = []

    @property
    def count(self):
        with self._lock:
            return self._count

    @property
    def statuses(self):
        """Return the HTTP status that began each answer, in order, when it was HTTP."""
        with self._lock:
            return list(self._statuses)

    def _answer_began(self, head):
        match = STATUS_LINE.match(head)
        if match:
            with self._lock:
                self._statuses.append(int(match.group(1)))

    async def _handle(self, reader, writer):
        task = asyncio.current_task()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        with self._lock:
            self._count += 1
            refuse = self._count <= self._refuse_first
        try:
            if refuse:
                await _answer_and_close(reader, writer, REFUSAL)
                return
            head = b""
            if self.allow is not None:
                head = await _first_bytes(reader, len(self.allow))
                if not head.startswith(self.allow):
                    await _answer_and_close(reader, writer, FORBIDDEN)
                    return
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.target_port)
            up_writer.write(head)
            try:
                await asyncio.gather(_pipe(reader, up_writer),
                                     _pipe(up_reader, writer, self._answer_began))
            finally:
                up_writer.close()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


async def _answer_and_close(reader, writer, answer):
    """Send `answer`, then read what the client still sends, so closing does not reset.

    A socket closed with unread data sends a reset, which can destroy the answer
    before the client reads it.
    """
    writer.write(answer)
    await writer.drain()
    writer.write_eof()
    try:
        async with asyncio.timeout(1.0):
            while await reader.read(CHUNK):
                pass
    except TimeoutError:
        pass


async def _first_bytes(reader, count):
    """Read the first `count` bytes a client sends, or what came before it gave up."""
    try:
        return await asyncio.wait_for(reader.readexactly(count), FIRST_BYTES_TIMEOUT)
    except asyncio.IncompleteReadError as short:
        return short.partial
    except TimeoutError:
        return b""


async def _pipe(reader, writer, on_first=None):
    try:
        while data := await reader.read(CHUNK):
            if on_first is not None:
                on_first(data[:32])
                on_first = None
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass
