# The PyTorch side of `npm run bench:train`: the product never runs this file and needs no Python; the
# bench runs it in the same invocation when Debian's python3-torch is installed, so its ratios compare two
# runs under the same machine load. It times the same CAUSE training steps in PyTorch on the same CPU.
#
#   apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread   # torch 1.13 + a real BLAS
#   /usr/bin/python3 bench/pytorch/train_steps.py [--threads 1] [--steps 3] [--bank 800] [--bank-concepts 2048]
#       [--only step2-mlp] [--shapes D384@40x40]
#
# Features come from a pool of batch x (steps + 1) grids built before the timed steps and read cyclically,
# as the bench's studio side reads its pool (no feature generation inside a timed step).
# Shapes: D = 384 on a 40x40 grid and D = 768 on 23x23, batch 16, k = 2048 concepts, head 90,
# projection 2048, TR FFN 2048, bank rows as given (the bench prints the bank fill it measured at).
# Step 1 is written as the release writes it: delta = max_k tanh(C_ik C_jk / tau), materialising the
# n x n x k tensor per image. Step 2 follows ../shared/docs/cause-method.md: teacher and student in train
# mode (dropout 0.1), concept masks 0.3 / 0.1, contrastive loss against the batch and the bank, Adam,
# gradient clip 1, EMA. Prints wall ms/step and process CPU ms/step (medians after one warm-up; CPU time is
# the figure that survives a shared, loaded machine) and ends with a `PYTORCH {json}` line.
import argparse
import json
import os
import statistics
import sys
import time

# torch.set_num_threads(1) does not bind OpenBLAS's own pthreads: without these, "1 thread" measured
# 2 cores busy (CPU time = 2x wall). Set before torch loads so --threads N means N cores.
_threads = sys.argv[sys.argv.index('--threads') + 1] if '--threads' in sys.argv else '1'
os.environ.setdefault('OPENBLAS_NUM_THREADS', _threads)
os.environ.setdefault('OMP_NUM_THREADS', _threads)

import torch  # noqa: E402

K_CONCEPTS_DEFAULT = 2048
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1)
p.add_argument('--steps', type=int, default=3)
p.add_argument('--bank', default='1331,307', help='bank rows during the measured steps, per shape (the bench passes the fill it measured at)')
p.add_argument('--bank-concepts', type=int, default=K_CONCEPTS_DEFAULT, help='concepts the bank rows belong to (a full bank: the concepts present x 100)')
p.add_argument('--shapes', default='', help='comma list of shape names, e.g. D384@40x40')
p.add_argument('--only', default='', help='comma list of step1,step2-mlp,step2-tr')
p.add_argument('--batch', type=int, default=16)
p.add_argument('--skip', default='', help='comma list of stage@shape to skip, e.g. step1@D384@40x40')
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

K_CONCEPTS, R, P, FFN = 2048, 90, 2048, 2048
TAU, TEMP, POS, NEG, DROP = 0.1, 0.07, 0.3, 0.1, 0.1
SHAPES = [('D384@40x40', 384, 40, 40), ('D768@23x23', 768, 23, 23)]


def grid_sample(x, h, w):
    """x [B, h*w, D] -> [B, n, D] plus the flat indices (one random position per 4x4 window)."""
    B = x.shape[0]
    gh, gw = h // 4, w // 4
    oy = torch.randint(0, 4, (B, gh, gw))
    ox = torch.randint(0, 4, (B, gh, gw))
    ys = torch.arange(gh).view(1, gh, 1) * 4 + oy
    xs = torch.arange(gw).view(1, 1, gw) * 4 + ox
    idx = (ys * w + xs).view(B, -1)
    return torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, x.shape[-1])), idx


class Pool:
    """Grids with planted structure (8 prototypes + noise, the bench's recipe), built once, read in order."""

    def __init__(self, count, h, w, D):
        protos = torch.randn(8, D)
        t = torch.arange(h * w)
        which = ((t // w // 8) * 3 + (t % w) // 10) % 8
        self.grids = protos[which].unsqueeze(0) + 0.7 * torch.randn(count, h * w, D)
        self.next = 0

    def batch(self, B):
        idx = [(self.next + b) % self.grids.shape[0] for b in range(B)]
        self.next += B
        return self.grids[idx]


def step1(D, h, w, B, pool):
    M = nn.Parameter(torch.empty(K_CONCEPTS, D).uniform_(-1 / K_CONCEPTS, 1 / K_CONCEPTS))
    opt = torch.optim.Adam([M], lr=1e-3)

    def one():
        x, _ = grid_sample(pool.batch(B), h, w)
        xn = F.normalize(x, dim=-1)
        A = (xn @ xn.transpose(1, 2)).clamp(min=0)
        A = A * (1 - torch.eye(A.shape[1]))
        d = A.sum(-1)
        e = d.sum(-1)
        W = A - d.unsqueeze(-1) * d.unsqueeze(-2) / e.view(-1, 1, 1)
        loss = 0
        for b in range(B):  # per image, as the release builds the graph
            C = (xn[b] @ F.normalize(M, dim=-1).t()).clamp(min=0)  # n x k
            delta = torch.tanh(C.unsqueeze(1) * C.unsqueeze(0) / TAU).max(-1).values  # n x n (via n x n x k)
            loss = loss - (W[b] * delta).sum() / e[b]
        loss = loss / B
        opt.zero_grad()
        loss.backward()
        opt.step()

    return one


class MLPHead(nn.Module):
    def __init__(self, D):
        super().__init__()
        self.f1 = nn.Linear(D, R)
        self.f2 = nn.Sequential(nn.Linear(D, D), nn.ReLU(), nn.Linear(D, R))

    def forward(self, x):
        return self.f1(F.dropout(x, DROP, True)) + self.f2(F.dropout(x, DROP, True))


class TRHead(nn.Module):
    """One decoder layer, one head (cause-method.md), then the MLP head's f1 + f2."""

    def __init__(self, D, N):
        super().__init__()
        self.pos = nn.Parameter(torch.randn(N, D))
        self.sa = nn.MultiheadAttention(D, 1, dropout=DROP, batch_first=True)
        self.ca = nn.MultiheadAttention(D, 1, dropout=DROP, batch_first=True)
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(D), nn.LayerNorm(D), nn.LayerNorm(D)
        self.ffn = nn.Sequential(nn.Linear(D, FFN), nn.ReLU(), nn.Dropout(DROP), nn.Linear(FFN, D))
        self.out = MLPHead(D)

    def forward(self, x, q):
        qp = q + self.pos
        t = self.ln1(q + F.dropout(self.sa(qp, qp, q, need_weights=False)[0], DROP, True))
        t = self.ln2(t + F.dropout(self.ca(t + self.pos, x, x, need_weights=False)[0], DROP, True))
        t = t + F.dropout(self.ffn(t), DROP, True)
        return self.out(x + self.ln3(t))


def contrastive(zn, targets, pos, neg, n):
    S = zn @ targets.t() / TEMP
    valid = pos + neg
    lse = torch.log((S.exp() * valid).sum(1) + (valid.sum(1) == 0).float())
    per_row = (pos * (lse.unsqueeze(1) - S)).sum(1)
    img_pos = pos.sum(1).view(-1, n).sum(1)
    has = img_pos > 0
    per_img = per_row.view(-1, n).sum(1)[has] / img_pos[has]
    return per_img.sum(), int(has.sum())


def step2(D, h, w, B, kind, bank_rows, bank_concepts, pool):
    N = h * w
    head = MLPHead(D) if kind == 'mlp' else TRHead(D, N)
    proj = nn.Linear(R, P)
    t_head, t_proj = MLPHead(D) if kind == 'mlp' else TRHead(D, N), nn.Linear(R, P)
    t_head.load_state_dict(head.state_dict())
    t_proj.load_state_dict(proj.state_dict())
    for prm in list(t_head.parameters()) + list(t_proj.parameters()):
        prm.requires_grad_(False)
    params = list(head.parameters()) + list(proj.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    cb = torch.randn(K_CONCEPTS, D)
    cbn = F.normalize(cb, dim=-1)
    bank = F.normalize(torch.randn(bank_rows, P), dim=-1)
    bank_ids = torch.randperm(K_CONCEPTS)[:bank_concepts].sort().values[torch.arange(bank_rows) * bank_concepts // max(bank_rows, 1)]

    def one():
        x = pool.batch(B)
        xs, idx = grid_sample(x, h, w)
        n = xs.shape[1]
        tok = xs.reshape(-1, D)
        ids = (tok @ cbn.t()).argmax(1)
        V = cbn[ids]
        G = V @ V.t()
        pos = (G > POS).float() * (1 - torch.eye(G.shape[0]))
        neg = (G < NEG).float()
        Gb = V @ cbn[bank_ids].t()
        posb, negb = (Gb > POS).float(), (Gb < NEG).float()
        if kind == 'mlp':
            with torch.no_grad():
                zt = F.normalize(t_proj(t_head(tok)), dim=-1)
            z = F.normalize(proj(head(tok)), dim=-1)
        else:
            q = cb[(x @ cbn.t()).argmax(-1)]  # nearest codebook row per token (raw row)
            gidx = idx.unsqueeze(-1)
            with torch.no_grad():
                yt = t_head(x, q)
                zt = F.normalize(t_proj(torch.gather(yt, 1, gidx.expand(-1, -1, R)).reshape(-1, R)), dim=-1)
            y = head(x, q)
            z = F.normalize(proj(torch.gather(y, 1, gidx.expand(-1, -1, R)).reshape(-1, R)), dim=-1)
        s1, t1 = contrastive(z, zt, pos, neg, n)
        s2, t2 = contrastive(z, bank, posb, negb, n)
        loss = (s1 + s2) / max(t1 + t2, 1)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            for a, b in zip(list(t_head.parameters()) + list(t_proj.parameters()), params):
                a.mul_(0.99).add_(b, alpha=0.01)

    return one


def peak_rss_mib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) // 1024
    return -1


only = set(filter(None, args.only.split(',')))
rows = []
print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch}, bank {args.bank} rows, '
      f'load {" ".join(f"{v:.1f}" for v in os.getloadavg())}')
banks = [int(b) for b in args.bank.split(',')]
for si, (name, D, h, w) in enumerate(SHAPES):
    bank_rows = banks[min(si, len(banks) - 1)]
    for stage in ('step1', 'step2-mlp', 'step2-tr'):
        if only and stage not in only:
            continue
        if f'{stage}@{name}' in args.skip.split(','):
            continue
        if args.shapes and name not in args.shapes.split(','):
            continue
        pool = Pool(args.batch * (args.steps + 1), h, w, D)
        fn = step1(D, h, w, args.batch, pool) if stage == 'step1' else step2(D, h, w, args.batch, stage[6:], bank_rows, args.bank_concepts, pool)
        times = []
        cpu = []
        try:
            for s in range(args.steps + 1):
                t0 = time.perf_counter()
                c0 = time.process_time()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        except RuntimeError as e:  # out of memory
            print(f'{stage:10} {name:11} failed: {str(e).splitlines()[0]}')
            continue
        ms = statistics.median(times[1:])
        cpu_ms = statistics.median(cpu[1:])
        rows.append({'stage': stage, 'shape': name, 'batch': args.batch, 'bank': bank_rows if stage != 'step1' else 0, 'msPerStep': round(ms), 'cpuMsPerStep': round(cpu_ms), 'firstMs': round(times[0]), 'all': [round(t) for t in times[1:]],
                     'peakRssMiB': peak_rss_mib()})
        print(f'{stage:10} {name:11} {ms:9.0f} ms/step (cpu {cpu_ms:.0f})  (steps {", ".join(f"{t:.0f}" for t in times[1:])}; peak rss so far {peak_rss_mib()} MiB)', flush=True)
print(f'load at end {" ".join(f"{v:.1f}" for v in os.getloadavg())}')
print('PYTORCH ' + json.dumps({'torch': torch.__version__, 'threads': args.threads, 'rows': rows}))
