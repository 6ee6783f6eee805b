# BY-HAND REFERENCE: the studio never needs Python. `npm run bench:pretrain` runs this (when
# /usr/bin/python3 has torch) to time the same pretraining step as the studio's ONNX step graph on the
# same CPU: a ViT-S/16 student (patch embedding as a linear map of 16x16x3 patches, 12 pre-LN blocks,
# D 384, 6 heads, FFN 1536, final LN), the projection head (2048 hidden, GELU, 256 bottleneck, L2 norm,
# weight-normalised prototypes), soft cross-entropy at tau 0.1 to fixed teacher targets, backward, global
# clip and AdamW. Batch 16 at 224x224 (196 tokens). Prints medians after one warm-up and a
# `PYTORCH {json}` line.
#   /usr/bin/python3 bench/pytorch/pretrain_step.py [--threads 2] [--steps 3] [--batch 16] [--prototypes 4096]
import argparse
import json
import os
import statistics
import sys
import time

_threads = sys.argv[sys.argv.index('--threads') + 1] if '--threads' in sys.argv else '1'
os.environ.setdefault('OPENBLAS_NUM_THREADS', _threads)
os.environ.setdefault('OMP_NUM_THREADS', _threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1)
p.add_argument('--steps', type=int, default=3)
p.add_argument('--batch', type=int, default=16)
p.add_argument('--prototypes', type=int, default=4096)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

D, H, L, FF, P, N = 384, 6, 12, 1536, 16, 196


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D, eps=1e-5)
        self.q = nn.Linear(D, D)
        self.k = nn.Linear(D, D)
        self.v = nn.Linear(D, D)
        self.o = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D, eps=1e-5)
        self.f1 = nn.Linear(D, FF)
        self.f2 = nn.Linear(FF, D)

    def forward(self, x):
        B, T, _ = x.shape
        h = self.ln1(x)
        sp = lambda t: t.view(B, T, H, D // H).transpose(1, 2)
        a = torch.softmax(sp(self.q(h)) @ sp(self.k(h)).transpose(-1, -2) / (D // H) ** 0.5, -1)
        x = x + self.o((a @ sp(self.v(h))).transpose(1, 2).reshape(B, T, D))
        return x + self.f2(F.gelu(self.f1(self.ln2(x))))


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(3 * P * P, D)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.lnf = nn.LayerNorm(D, eps=1e-5)
        self.h1 = nn.Linear(D, 2048)
        self.h2 = nn.Linear(2048, 256)
        self.protos = nn.Parameter(torch.randn(args.prototypes, 256))

    def forward(self, x):
        x = self.embed(x)
        for b in self.blocks:
            x = b(x)
        z = F.normalize(self.h2(F.gelu(self.h1(self.lnf(x)))), dim=-1)
        return z @ F.normalize(self.protos, dim=-1).t()


model = Student()
opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.04)
x = torch.randn(args.batch, N, 3 * P * P)
q = torch.softmax(torch.randn(args.batch, N, args.prototypes) * 3, -1)

wall, cpu = [], []
for i in range(args.steps + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    logits = model(x)
    loss = -(q * torch.log_softmax(logits / 0.1, -1)).sum(-1).mean()
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 3.0)
    opt.step()
    if i > 0:
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
res = {'torch': torch.__version__, 'threads': args.threads, 'batch': args.batch, 'prototypes': args.prototypes, 'wallMs': statistics.median(wall), 'cpuMs': statistics.median(cpu)}
print(f"PyTorch ViT-S/16 pretraining step, batch {args.batch}: {res['wallMs']:.0f} ms wall, {res['cpuMs']:.0f} ms CPU (median of {args.steps})")
print('PYTORCH ' + json.dumps(res))
