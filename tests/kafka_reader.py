"""Reads Hotline's event topic with confluent-kafka, a client this project did not write.

Usage: kafka_reader.py BROKERS TOPIC HEAD
Prints one JSON line per message (key, partition, offset, headers, value) until every
position from 1 to HEAD was seen, or fails after 60 seconds.
"""

import json
import sys
import time
import uuid

from confluent_kafka import Consumer


def main() -> int:
    brokers, topic, head = sys.argv[1], sys.argv[2], int(sys.argv[3])
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"python-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    missing = set(range(1, head + 1))
    deadline = time.monotonic() + 60
    try:
        while missing:
            if time.monotonic() > deadline:
                print(f"positions never seen: {sorted(missing)[:10]}", file=sys.stderr)
                return 1
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                print(f"consumer error: {message.error()}", file=sys.stderr)
                continue
            headers = {name: value.decode("utf-8") for name, value in (message.headers() or [])}
            missing.discard(int(headers["ce_position"]))
            print(json.dumps({
                "key": message.key().decode("utf-8"),
                "partition": message.partition(),
                "offset": message.offset(),
                "headers": headers,
                "value": json.loads(message.value()),
            }))
    finally:
        consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
