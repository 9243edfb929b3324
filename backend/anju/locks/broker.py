"""The embedded MQTT broker for one machine (amqtt), started as its own process
by ``scripts/run`` and the tests. Production uses Mosquitto with a user and an
ACL per lock; this one is for loopback only and lets anyone connect."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from amqtt.broker import Broker

logger = logging.getLogger(__name__)


def broker_config(host: str, port: int) -> dict:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {
            "amqtt.plugins.authentication.AnonymousAuthPlugin": {
                "allow_anonymous": True
            },
        },
    }


async def serve(host: str, port: int) -> None:
    broker = Broker(broker_config(host, port))
    await broker.start()
    logger.info("broker listening", extra={"port": port})

    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    await broker.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description="Anju's embedded MQTT broker")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    options = parser.parse_args()

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(options.host, options.port))


if __name__ == "__main__":
    main()
