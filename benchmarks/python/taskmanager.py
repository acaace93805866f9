#!/usr/bin/env python3
"""The seed's taskmanager.py, ported to Python 3 (stdlib only).

Serves a task queue and a result queue on the network with an auth key (multiprocessing.managers.BaseManager),
puts ten random numbers, and collects ten results with a timeout.

    python3 taskmanager.py [--port 5000] [--authkey abc] [--timeout 10]
"""
import argparse
import queue
import random

from multiprocessing.managers import BaseManager

task_queue = queue.Queue()
result_queue = queue.Queue()


def get_task_queue():
    return task_queue


def get_result_queue():
    return result_queue


class QueueManager(BaseManager):
    pass


# module-level functions, not lambdas: the server process of manager.start() must be able to pickle them
QueueManager.register('get_task_queue', callable=get_task_queue)
QueueManager.register('get_result_queue', callable=get_result_queue)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--host', default='127.0.0.1', help='address to bind (the seed bound all interfaces: "")')
    ap.add_argument('--port', type=int, default=5000)
    ap.add_argument('--authkey', default='abc')
    ap.add_argument('--timeout', type=float, default=10)
    args = ap.parse_args()

    manager = QueueManager(address=(args.host, args.port), authkey=args.authkey.encode())
    manager.start()
    task = manager.get_task_queue()
    result = manager.get_result_queue()
    for _ in range(10):
        n = random.randint(0, 10000)
        print('Put task %d...' % n, flush=True)
        task.put(n)
    print('Try get results...', flush=True)
    try:
        for _ in range(10):
            r = result.get(timeout=args.timeout)
            print('Result: %s' % (r,), flush=True)
    except queue.Empty:
        print('no result within %s s' % args.timeout, flush=True)
    manager.shutdown()
    print('manager exit.', flush=True)


if __name__ == '__main__':
    main()
