#!/usr/bin/env python3
"""Task round-trips per second through the seed's BaseManager (put, worker get, put result, manager get).

The manager serves its two queues exactly as taskmanager.py does (manager.start(): a server process); W worker
processes run taskworker.py's loop (one sequential get/put loop each) over their own connections.

    python3 bench_tasks.py --workers 4 --tasks 20000 --rounds 5      # prints round-trips/s per round
    python3 bench_tasks.py --workers 1 --serve                        # for JMH: reads 'run N' lines on stdin,
                                                                      # answers 'ok N' when N round trips are done

A round puts N tasks, then takes N results (the workers run all the while): round-trips/s = N / its time.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import taskmanager  # noqa: E402  (the same QueueManager and queues)


def start(workers, port, authkey):
    manager = taskmanager.QueueManager(address=('127.0.0.1', port), authkey=authkey)
    manager.start()
    host, port = manager.address
    worker_py = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'taskworker.py')
    procs = [subprocess.Popen([sys.executable, worker_py, '--server', host, '--port', str(port),
                               '--authkey', authkey.decode(), '--tasks', '0'], stdout=subprocess.DEVNULL)
             for _ in range(workers)]
    return manager, procs


def round_trips(task, result, n):
    for i in range(n):
        task.put(i)
    total = 0
    for _ in range(n):
        total += result.get(timeout=60)[1]
    expected = sum(i * i for i in range(n))
    if total != expected:
        raise SystemExit('bad results: %d != %d' % (total, expected))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--tasks', type=int, default=10000)
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--serve', action='store_true')
    args = ap.parse_args()

    authkey = b'abc'
    manager, procs = start(args.workers, args.port, authkey)
    try:
        task = manager.get_task_queue()
        result = manager.get_result_queue()
        round_trips(task, result, 100)  # every worker connected and warm
        if args.serve:
            print('ready', flush=True)
            for line in sys.stdin:
                words = line.split()
                if not words or words[0] == 'quit':
                    break
                n = int(words[1])
                round_trips(task, result, n)
                print('ok %d' % n, flush=True)
            return
        for r in range(args.rounds):
            t0 = time.perf_counter()
            round_trips(task, result, args.tasks)
            dt = time.perf_counter() - t0
            print('python BaseManager, %d worker(s): %.0f round-trips/s (round %d: %d in %.3f s)'
                  % (args.workers, args.tasks / dt, r + 1, args.tasks, dt), flush=True)
    finally:
        for _ in procs:
            try:
                task.put(None)
            except Exception:
                pass
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        manager.shutdown()


if __name__ == '__main__':
    main()
