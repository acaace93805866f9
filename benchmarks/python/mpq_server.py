# The peer of dev.coro.bench.CoroQueue, for dev.coro.bench.PythonQueue: Python's multiprocessing.Queue between this
# (parent) process and one child process, both kept for the whole trial. Each line on stdin is a batch:
#   "p N": the child puts the ints 0..N-1 (small messages), the parent gets them all;
#   "c N": the parent puts 0..N-1, the child gets them all and sends back their sum;
# then the parent answers "ok <sum>". A negative N ends.
import multiprocessing as mp
import sys


def child(ctl, to_parent, to_child):
    while True:
        kind, n = ctl.get()
        if n < 0:
            return
        if kind == 'p':
            for i in range(n):
                to_parent.put(i)
        else:
            s = 0
            for _ in range(n):
                s += to_child.get()
            to_parent.put(s)


if __name__ == '__main__':
    ctl = mp.Queue()
    to_parent = mp.Queue()
    to_child = mp.Queue()
    p = mp.Process(target=child, args=(ctl, to_parent, to_child))
    p.start()
    for line in sys.stdin:
        kind, n = line.split()
        n = int(n)
        if n < 0:
            break
        ctl.put((kind, n))
        if kind == 'p':
            s = 0
            for _ in range(n):
                s += to_parent.get()
        else:
            for i in range(n):
                to_child.put(i)
            s = to_parent.get()
        print("ok", s, flush=True)
    ctl.put(('p', -1))
    p.join()
