#!/usr/bin/env python3
"""The stall of docs/stall.md in pyzmq alone: a send through a sync shadow hides a waiting reply.

A DEALER socket (jupyter_client's shell channel) awaits a reply with ``await socket.poll()``. The reply
arrives while the event loop is busy; before the loop looks, the program sends another message on the
same socket. Sent through the asyncio socket, pyzmq re-checks for incoming messages and the poll returns
at once. Sent through ``zmq.Socket.shadow(socket.underlying)``, as jupyter_client's Session.send does
with an asyncio socket, the send consumes libzmq's one wake-up for the reply and the poll sleeps until
its timeout (here 3 s), then finds the reply that was there all along.

    python docs/stall/zmq_shadow_send.py            # prints one line per way of sending
"""

import asyncio
import sys
import time

import zmq
import zmq.asyncio

POLL_TIMEOUT_MS = 3000


async def one_round(how: str) -> float:
    ctx = zmq.asyncio.Context()
    kernel = ctx.socket(zmq.ROUTER)
    port = kernel.bind_to_random_port("tcp://127.0.0.1")
    client = ctx.socket(zmq.DEALER)
    client.connect(f"tcp://127.0.0.1:{port}")
    await client.send(b"execute_request")
    identity, _ = await kernel.recv_multipart()

    waiting = asyncio.ensure_future(client.poll(timeout=POLL_TIMEOUT_MS))  # the client awaits the reply
    await asyncio.sleep(0.05)                         # the wait is registered with the event loop
    await kernel.send_multipart([identity, b"execute_reply"])
    time.sleep(0.05)  # the reply arrives while the loop is busy (nbclient handling a large output)
    if how == "shadow":
        zmq.Socket.shadow(client.underlying).send(b"comm_msg")  # what Session.send does
    elif how == "asyncio":
        client.send(b"comm_msg")                                 # the asyncio socket's own send
    start = time.perf_counter()
    events = await waiting
    seconds = time.perf_counter() - start
    print(f"{how:>8} send: poll returned {events} (1 = a message is waiting) after {seconds:.3f} s")
    client.close(0)
    kernel.close(0)
    ctx.term()
    return seconds


def main() -> int:
    print(f"pyzmq {zmq.__version__}, libzmq {zmq.zmq_version()}, Python {sys.version.split()[0]}")
    waits = {how: asyncio.run(one_round(how)) for how in ("no", "asyncio", "shadow")}
    stalled = waits["shadow"] > 0.5 * POLL_TIMEOUT_MS / 1000 and waits["asyncio"] < 0.5 and waits["no"] < 0.5
    print("reproduced: the shadow send hid the reply until the timeout" if stalled else "not reproduced")
    return 0 if stalled else 1


if __name__ == "__main__":
    sys.exit(main())
