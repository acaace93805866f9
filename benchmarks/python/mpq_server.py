# The peer of dev.coro.bench.CoroQueue, for dev.coro.bench.PythonQueue: Python's multiprocessing.Queue, a child
# producer process and this (parent) process consuming, both kept for the whole trial. Each line N on stdin: the
# child puts the ints 0..N-1 (small messages), the parent gets them all, then answers "ok <sum>".
import multiprocessing as mp
import sys


def produce(ctl, q):
    while True:
        n = ctl.get()
        if n < 0:
            return
        for i in range(n):
            q.put(i)


if __name__ == '__main__':
    ctl = mp.Queue()
    q = mp.Queue()
    p = mp.Process(target=produce, args=(ctl, q))
    p.start()
    for line in sys.stdin:
        n = int(line)
        if n < 0:
            break
        ctl.put(n)
        s = 0
        for _ in range(n):
            s += q.get()
        print("ok", s, flush=True)
    ctl.put(-1)
    p.join()
