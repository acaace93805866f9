import multiprocessing as mp, time
N=200000
def prod(q):
    for i in range(N): q.put(i)
    q.put(None)
if __name__=='__main__':
    q=mp.Queue()
    p=mp.Process(target=prod,args=(q,)); t=time.time(); p.start()
    n=0
    while q.get() is not None: n+=1
    dt=time.time()-t; p.join()
    print(n, "msgs", round(n/dt), "msg/s")
