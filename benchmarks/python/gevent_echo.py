"""The gevent peer of the coro echo server (dev.coro.bench.echo.CoroEchoServer): plain blocking socket code made
cooperative by gevent's monkey-patching, one greenlet per connection, one process, one hub.

Run by dev.coro.bench.echo.EchoThroughput / EchoIdleMemory (Debian's python3-gevent, /usr/bin/python3). It binds an
ephemeral loopback port and prints "listening on port N"; on stdin, "mem" answers
"mem <connections> -1 <rssBytes>" (after gc.collect(); Python has no heap figure comparable to the JVM's), and the
end of stdin stops the server. Same protocol as dev.coro.bench.echo.ServerControl.
"""
from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
from gevent.fileobject import FileObjectPosix  # noqa: E402

BUFFER = 1024
open_connections = 0


def echo(conn):
    global open_connections
    open_connections += 1
    try:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = conn.recv(BUFFER)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass  # the client went away
    finally:
        open_connections -= 1
        conn.close()


def serve(server):
    while True:
        conn, _ = server.accept()
        gevent.spawn(echo, conn)


def rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def control():
    stdin = FileObjectPosix(sys.stdin.fileno(), "rb", close=False)
    while True:
        line = stdin.readline()
        if not line:
            os._exit(0)
        if line.strip() == b"mem":
            gc.collect()
            print("mem %d -1 %d" % (open_connections, rss_bytes()), flush=True)


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4096)
    print("listening on port %d" % server.getsockname()[1], flush=True)
    gevent.spawn(serve, server)
    control()


if __name__ == "__main__":
    main()
