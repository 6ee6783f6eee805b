# The PyTorch side of `npm run bench:backbone`: the same ViT shapes with random weights (bench/pytorch/vit.py),
# forward only, best of several runs per batch size, on the thread count given. The product never runs it.
#   OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch/backbone.py --threads 1 --model vit-s14 --size 322
import argparse
import json
import os
import sys
import time

_threads = sys.argv[sys.argv.index('--threads') + 1] if '--threads' in sys.argv else '1'
os.environ.setdefault('OPENBLAS_NUM_THREADS', _threads)
os.environ.setdefault('OMP_NUM_THREADS', _threads)

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vit import ViT  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1)
p.add_argument('--model', default='vit-s14')
p.add_argument('--size', type=int, default=322)
p.add_argument('--batches', default='1,8')
p.add_argument('--reps', type=int, default=3)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(3)
net = ViT(args.model, args.size).eval()
points = []
with torch.no_grad():
    for batch in (int(b) for b in args.batches.split(',')):
        x = torch.randn(batch, 3, args.size, args.size)
        net(x)  # warm-up
        best = best_cpu = float('inf')
        for _ in range(args.reps):
            t, c = time.perf_counter(), time.process_time()
            net(x)
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
        points.append({'model': args.model, 'size': args.size, 'batch': batch, 'threads': args.threads, 'imagesPerSecond': batch / best, 'cpuMsPerImage': best_cpu * 1000 / batch})
        print(f'{args.model} {args.size}px batch {batch} threads {args.threads}: {batch / best:.2f} img/s, cpu {best_cpu * 1000 / batch:.0f} ms/img (best of {args.reps}; load {" ".join(f"{v:.1f}" for v in os.getloadavg())})', flush=True)
print('PYTORCH ' + json.dumps({'torch': torch.__version__, 'points': points}))
