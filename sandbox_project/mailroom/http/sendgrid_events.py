"""SendGrid-style event webhooks: processed, then delivered or bounce, per recipient."""

import asyncio
import logging
import secrets

import aiohttp
from aiohttp import web

from .state import WEBHOOKS

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 5.0
BOUNCE_STATUS = "5.1.1"
BOUNCE_REASON = "550 5.1.1 Recipient address rejected by the mailroom (chaos.reject_recipients)"


def new_event_id() -> str:
    """Return a random id for one event."""
    return secrets.token_urlsafe(16)


def delivery_events(delivery, rejected: set[str], timestamp: int) -> list[dict]:
    """Return the events of one delivery: each recipient is processed, then delivered or bounced."""
    events = []
    for recipient in delivery.recipients:
        events.append(_event(delivery, recipient, "processed", timestamp, {}))
        if recipient.lower() in rejected:
            outcome = {"type": "bounce", "status": BOUNCE_STATUS, "reason": BOUNCE_REASON}
            events.append(_event(delivery, recipient, "bounce", timestamp, outcome))
        else:
            events.append(
                _event(delivery, recipient, "delivered", timestamp, {"response": "250 OK"})
            )
    return events


def _event(delivery, recipient: str, name: str, timestamp: int, extra: dict) -> dict:
    """Build one event; custom_args sit at the top level, under SendGrid's own fields."""
    event = dict(delivery.custom_args)
    event.update(
        email=recipient,
        timestamp=timestamp,
        event=name,
        sg_event_id=new_event_id(),
        sg_message_id=delivery.sg_message_id,
        **{"smtp-id": delivery.smtp_id},
        **extra,
    )
    if delivery.categories:
        event["category"] = list(delivery.categories)
    return event


class WebhookSender:
    """Post event batches in the background with one shared HTTP client."""

    def __init__(self, timeout: float = WEBHOOK_TIMEOUT_SECONDS):
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.client: aiohttp.ClientSession | None = None
        # Kept so that no running delivery is garbage-collected mid-flight.
        self.tasks: set[asyncio.Task] = set()

    def schedule(self, url: str, events: list[dict]) -> None:
        """Post events later; the request that caused them does not wait."""
        task = asyncio.ensure_future(self.post(url, events))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def post(self, url: str, events: list[dict]) -> None:
        """Post one batch of events; failures are logged, never raised."""
        if self.client is None:
            self.client = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self.client.post(url, json=events) as response:
                if response.status >= 300:
                    logger.warning("Event webhook %s answered %s", url, response.status)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.warning("Event webhook %s failed: %r", url, exc)

    async def close(self) -> None:
        """Let running deliveries finish briefly, then cancel them and close the client."""
        tasks = set(self.tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.close()
            self.client = None


async def close_webhooks(app: web.Application) -> None:
    """Finish the application's webhook deliveries on cleanup."""
    await app[WEBHOOKS].close()
