"""Server-Sent Events: one event per stored message, for the UI's live list."""

import asyncio
import json
import logging

from aiohttp import web

from .state import HEARTBEAT, STREAMS, store
from .ui import summary_json

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
# A client that stops reading loses events past this many rather than growing memory.
QUEUE_SIZE = 100


async def event_stream(request: web.Request) -> web.StreamResponse:
    """Stream a summary of every message stored from now on, until the client leaves."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
    stop = asyncio.Event()
    listener = _listener(asyncio.get_running_loop(), queue)
    request.app[STREAMS].add(stop)
    store(request).subscribe(listener)
    try:
        await response.write(b"retry: 2000\n: connected\n\n")
        await _pump(request, response, queue, stop)
    except ConnectionError:
        logger.debug("Event stream client went away")
    finally:
        store(request).unsubscribe(listener)
        request.app[STREAMS].discard(stop)
    return response


def _listener(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue):
    """Make a store callback that hands messages to this loop from any thread."""

    def on_message(message):
        try:
            loop.call_soon_threadsafe(_offer, queue, message)
        except RuntimeError:
            # The loop has closed; the stream is gone and will unsubscribe.
            pass

    return on_message


def _offer(queue: asyncio.Queue, message) -> None:
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        logger.warning("Event stream is not reading; dropped message %s", message.id)


async def _pump(request, response, queue, stop) -> None:
    """Write events and heartbeats until the client leaves or the server stops."""
    heartbeat = request.app.get(HEARTBEAT, HEARTBEAT_SECONDS)
    while not stop.is_set():
        message = await _next_message(queue, stop, heartbeat)
        transport = request.transport
        if stop.is_set() or transport is None or transport.is_closing():
            return
        if message is None:
            await response.write(b": heartbeat\n\n")
        else:
            await response.write(event_bytes(message))


async def _next_message(queue: asyncio.Queue, stop: asyncio.Event, timeout: float):
    """Return the next message, or None after `timeout` seconds or when told to stop."""
    getter = asyncio.ensure_future(queue.get())
    stopper = asyncio.ensure_future(stop.wait())
    done, pending = await asyncio.wait(
        {getter, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    if getter in done:
        return getter.result()
    return None


def event_bytes(message) -> bytes:
    """Format one message summary as an SSE event."""
    data = json.dumps(summary_json(message), ensure_ascii=False)
    return f"id: {message.id}\ndata: {data}\n\n".encode()


async def stop_streams(app: web.Application) -> None:
    """Tell every open stream to finish, so that shutdown does not wait for them."""
    for stop in list(app[STREAMS]):
        stop.set()
