#!/usr/bin/env python3
"""The seed's taskworker.py, ported to Python 3 (stdlib only).

Connects to the task manager with the same auth key, takes numbers, squares them (after the seed's 1 s pause) and
puts the results back.

    python3 taskworker.py [--server 127.0.0.1] [--port 5000] [--authkey abc] [--pause 1] [--tasks 10]

With --tasks 0 it serves until the manager goes away, without pausing unless asked (the benchmark's worker).
"""
import argparse
import queue
import sys
import time

from multiprocessing.managers import BaseManager


class QueueManager(BaseManager):
    pass


QueueManager.register('get_task_queue')
QueueManager.register('get_result_queue')


def connect(server, port, authkey):
    m = QueueManager(address=(server, port), authkey=authkey)
    m.connect()
    return m.get_task_queue(), m.get_result_queue()


def serve_forever(task, result):
    """The benchmark's worker loop: one sequential get / compute / put, as long as the manager is there."""
    while True:
        try:
            n = task.get()
        except (EOFError, ConnectionError, BrokenPipeError):
            return
        if n is None:
            return
        try:
            result.put((n, n * n))
        except (EOFError, ConnectionError, BrokenPipeError):
            return


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--server', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=5000)
    ap.add_argument('--authkey', default='abc')
    ap.add_argument('--pause', type=float, default=1.0)
    ap.add_argument('--tasks', type=int, default=10)
    args = ap.parse_args()

    print('Connect to server %s...' % args.server, flush=True)
    task, result = connect(args.server, args.port, args.authkey.encode())
    if args.tasks == 0:
        serve_forever(task, result)
        return
    for _ in range(args.tasks):
        try:
            n = task.get(timeout=1)
            print('run task %d * %d...' % (n, n), flush=True)
            r = '%d * %d = %d' % (n, n, n * n)
            time.sleep(args.pause)
            result.put(r)
        except queue.Empty:
            print('task queue is empty.', flush=True)
    print('worker exit.', flush=True)


if __name__ == '__main__':
    sys.exit(main())
