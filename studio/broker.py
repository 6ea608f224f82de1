"""The Redis broker transport, hardened against losing Redis mid-run.

When the broker connection drops, Celery closes the channel and kombu tries to hand
the worker's unacknowledged messages back to Redis through a connection it has just
let go of; that raises AttributeError, which Celery treats as unrecoverable and the
worker exits. Nothing can be handed back to a broker that is gone anyway: Redis
redelivers those messages after the visibility timeout (when it kept them), and the
studio's sweeper re-queues their generations from the database (when it did not).
So the close is allowed to finish and the worker reconnects as designed.
"""

import logging

from kombu.transport import redis

log = logging.getLogger(__name__)


class Channel(redis.Channel):
    # A task that was running while the broker went away finishes later and acks on
    # this dead channel; the same AttributeError follows. Its message is redelivered
    # or swept as above, and the generation's claim makes the repeat a no-op.
    def basic_ack(self, delivery_tag, multiple: bool = False) -> None:
        if self.closed:
            log.info("not acknowledging task %s on a closed broker channel", delivery_tag)
            return
        super().basic_ack(delivery_tag, multiple=multiple)

    def basic_reject(self, delivery_tag, requeue: bool = False) -> None:
        if self.closed:
            log.info("not rejecting task %s on a closed broker channel", delivery_tag)
            return
        super().basic_reject(delivery_tag, requeue=requeue)

    def close(self) -> None:
        try:
            super().close()
        except AttributeError:
            log.warning(
                "broker gone while closing its channel; unacked tasks are left to redelivery"
            )
            self.closed = True


class Transport(redis.Transport):
    Channel = Channel
