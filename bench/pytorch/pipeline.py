# The PyTorch side of `npm run bench:pipeline`: the whole CAUSE-MLP pipeline as a PyTorch user would
# write it, on the same SynthDrive frames, timed stage by stage. The product never runs this file.
#
#   apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread python3-pil python3-scipy
#   OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch/pipeline.py --threads 2 \
#       --data DIR --frames 100 --epochs 1,2,1 --out /tmp/x
#
# Stages (what the studio's jobs do, in the same order):
#   features  PIL decode, short side -> 322 + centre crop 322 (bilinear), ImageNet normalisation, a ViT-S/14
#             with random weights (timm layout: fused qkv, pre-LN, GELU, CLS + learned positions) in batches
#             of 8, patch tokens saved as float16 (the studio writes float16 shards).
#   step1     modularity clusterbook, k 2048, tau 0.1, as the release writes it (n x n x k per image), Adam.
#   step2     MLP head + projection, EMA teacher, concept-aware contrastive loss against the batch and the
#             concept bank (100 per concept, random half per concept per step), Adam, clip 1.
#   step3     cluster probe (K centroids) by the modularity loss on the frozen teacher's 90-d outputs.
#   predict   teacher head on the grid and its flip, bilinear upsampling into the centre-crop region of the
#             frame (edges extended), cosine to the centroids, argmax + confidence, both PNGs written.
#   eval      labelIds -> Cityscapes-27, reference geometry (nearest resize short side 320, centre crop
#             320), confusion histogram, Hungarian matching (scipy), mIoU and present-class mIoU.
# Ends with one `PYTORCH {json}` line.
import argparse
import glob
import json
import math
import os
import sys
import time

_threads = sys.argv[sys.argv.index('--threads') + 1] if '--threads' in sys.argv else '1'
os.environ.setdefault('OPENBLAS_NUM_THREADS', _threads)
os.environ.setdefault('OMP_NUM_THREADS', _threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vit import ViT  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1)
p.add_argument('--data', required=True, help='Cityscapes-layout folder (SynthDrive output)')
p.add_argument('--frames', type=int, default=100)
p.add_argument('--epochs', default='1,2,1', help='Step 1, 2, 3 epochs')
p.add_argument('--out', required=True)
p.add_argument('--clusters', type=int, default=27)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(5)
os.makedirs(args.out, exist_ok=True)

SIZE, PATCH, D = 322, 14, 384
K_CONCEPTS, R, P = 2048, 90, 2048
TAU, TEMP, POS, NEG, DROP, LR, BATCH, BANK_CAP = 0.1, 0.07, 0.3, 0.1, 0.1, 4e-3, 16, 100
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
E1, E2, E3 = (int(x) for x in args.epochs.split(','))

images = sorted(glob.glob(os.path.join(args.data, 'leftImg8bit', '*', '*', '*_leftImg8bit.png')))[: args.frames]
labels = [f.replace('leftImg8bit', 'gtFine', 1).replace('_leftImg8bit.png', '_gtFine_labelIds.png') for f in images]
if len(images) < args.frames:
    sys.exit(f'{args.data}: {len(images)} frames, {args.frames} asked')
stages = {}


def timed(name):
    class T:
        def __enter__(self):
            self.t, self.c = time.perf_counter(), time.process_time()

        def __exit__(self, *a):
            stages[name] = {'seconds': time.perf_counter() - self.t, 'cpuSeconds': time.process_time() - self.c}
            print(f'pytorch {name:9} {stages[name]["seconds"]:7.1f} s wall, {stages[name]["cpuSeconds"]:.1f} s cpu', flush=True)

    return T()


def load_frame(f):
    im = Image.open(f).convert('RGB')
    w, h = im.size
    s = SIZE / min(w, h)
    nw, nh = max(SIZE, round(w * s)), max(SIZE, round(h * s))
    im = im.resize((nw, nh), Image.BILINEAR)
    left, top = (nw - SIZE) // 2, (nh - SIZE) // 2
    im = im.crop((left, top, left + SIZE, top + SIZE))
    x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255).permute(2, 0, 1)
    return (x - MEAN) / STD, (w, h)


g = SIZE // PATCH  # 23
feat_file = os.path.join(args.out, 'features.pt')
with timed('features'):
    vit = ViT('vit-s14', SIZE).eval()
    sizes = []
    out = []
    with torch.no_grad():
        for i in range(0, len(images), 8):
            batch = [load_frame(f) for f in images[i : i + 8]]
            sizes += [s for _, s in batch]
            out.append(vit(torch.stack([x for x, _ in batch])).half())
    torch.save(torch.cat(out), feat_file)
    del out

with timed('train'):
    feats = torch.load(feat_file).float()  # [N, 529, D]
    N = feats.shape[0]
    steps_per_epoch = math.ceil(N / BATCH)
    gen = torch.Generator().manual_seed(5)

    def batches(epochs):
        for _ in range(epochs):
            perm = torch.randperm(N, generator=gen)
            for s in range(steps_per_epoch):
                yield perm[s * BATCH : (s + 1) * BATCH]

    def grid_sample(x):
        """x [B, g*g, C] -> [B, n, C]: one random position per 4x4 window (remainders dropped)."""
        B, C = x.shape[0], x.shape[-1]
        gh = g // 4
        oy, ox = torch.randint(0, 4, (B, gh, gh)), torch.randint(0, 4, (B, gh, gh))
        ys = torch.arange(gh).view(1, gh, 1) * 4 + oy
        xs = torch.arange(gh).view(1, 1, gh) * 4 + ox
        idx = (ys * g + xs).view(B, -1)
        return torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, C))

    def modularity_loss(x, M):
        xn = F.normalize(x, dim=-1)
        A = (xn @ xn.transpose(1, 2)).clamp(min=0)
        A = A * (1 - torch.eye(A.shape[1]))
        d = A.sum(-1)
        e = d.sum(-1)
        W = A - d.unsqueeze(-1) * d.unsqueeze(-2) / e.view(-1, 1, 1)
        Mn = F.normalize(M, dim=-1)
        loss = 0
        for b in range(x.shape[0]):  # per image, as the release builds the graph
            C = (xn[b] @ Mn.t()).clamp(min=0)
            delta = torch.tanh(C.unsqueeze(1) * C.unsqueeze(0) / TAU).max(-1).values
            loss = loss - (W[b] * delta).sum() / e[b]
        return loss / x.shape[0]

    step_times = {'step1': 0.0, 'step2': 0.0, 'step3': 0.0}
    step_cpu = {'step1': 0.0, 'step2': 0.0, 'step3': 0.0}

    def clock(stage, fn):
        t, c = time.perf_counter(), time.process_time()
        fn()
        step_times[stage] += time.perf_counter() - t
        step_cpu[stage] += time.process_time() - c

    # Step 1
    M = nn.Parameter(torch.empty(K_CONCEPTS, D).uniform_(-1 / K_CONCEPTS, 1 / K_CONCEPTS))
    opt = torch.optim.Adam([M], lr=LR)
    for items in batches(E1):
        def s1():
            loss = modularity_loss(grid_sample(feats[items]), M)
            opt.zero_grad()
            loss.backward()
            opt.step()
        clock('step1', s1)

    # Step 2
    class MLPHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.f1 = nn.Linear(D, R)
            self.f2 = nn.Sequential(nn.Linear(D, D), nn.ReLU(), nn.Linear(D, R))

        def forward(self, x):
            return self.f1(F.dropout(x, DROP, self.training)) + self.f2(F.dropout(x, DROP, self.training))

    head, proj = MLPHead(), nn.Linear(R, P)
    t_head, t_proj = MLPHead(), nn.Linear(R, P)
    t_head.load_state_dict(head.state_dict())
    t_proj.load_state_dict(proj.state_dict())
    for q in list(t_head.parameters()) + list(t_proj.parameters()):
        q.requires_grad_(False)
    params = list(head.parameters()) + list(proj.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    cbn = F.normalize(M.detach(), dim=-1)
    bank = {}

    def contrastive(zn, targets, pos, neg, n):
        S = zn @ targets.t() / TEMP
        valid = pos + neg
        lse = torch.log((S.exp() * valid).sum(1) + (valid.sum(1) == 0).float())
        per_row = (pos * (lse.unsqueeze(1) - S)).sum(1)
        img_pos = pos.sum(1).view(-1, n).sum(1)
        has = img_pos > 0
        return (per_row.view(-1, n).sum(1)[has] / img_pos[has]).sum(), int(has.sum())

    for items in batches(E2):
        def s2():
            xs = grid_sample(feats[items])
            n = xs.shape[1]
            tok = xs.reshape(-1, D)
            ids = (tok @ cbn.t()).argmax(1)
            V = cbn[ids]
            G = V @ V.t()
            pos = (G > POS).float() * (1 - torch.eye(G.shape[0]))
            neg = (G < NEG).float()
            with torch.no_grad():
                zt = F.normalize(t_proj(t_head(tok)), dim=-1)
            z = F.normalize(proj(head(tok)), dim=-1)
            s, t = contrastive(z, zt, pos, neg, n)
            if bank:
                bank_ids = torch.cat([torch.full((len(v),), c) for c, v in sorted(bank.items())])
                bank_rows = torch.cat([v for _, v in sorted(bank.items())])
                Gb = V @ cbn[bank_ids].t()
                sb, tb = contrastive(z, bank_rows, (Gb > POS).float(), (Gb < NEG).float(), n)
                s, t = s + sb, t + tb
            if t > 0:
                loss = s / t
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                with torch.no_grad():
                    for a, b in zip(list(t_head.parameters()) + list(t_proj.parameters()), params):
                        a.mul_(0.99).add_(b, alpha=0.01)
                for c in torch.unique(ids).tolist():  # ascending concept order
                    rows = zt[ids == c]
                    keep = rows.shape[0] // 2
                    if keep == 0:
                        continue
                    rows = rows[torch.randperm(rows.shape[0])[:keep]]
                    bank[c] = torch.cat([bank[c], rows])[-BANK_CAP:] if c in bank else rows
        clock('step2', s2)
    bank_rows_end = sum(v.shape[0] for v in bank.values())

    # Step 3
    K = args.clusters
    t_head.eval()
    cent = nn.Parameter(torch.empty(K, R).uniform_(-1 / K, 1 / K))
    opt = torch.optim.Adam([cent], lr=LR)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2 * steps_per_epoch, gamma=0.5)
    for items in batches(E3):
        def s3():
            with torch.no_grad():
                y = t_head(grid_sample(feats[items]))
            loss = modularity_loss(y, cent)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        clock('step3', s3)
for s in ('step1', 'step2', 'step3'):
    stages[s] = {'seconds': step_times[s], 'cpuSeconds': step_cpu[s]}
    print(f'pytorch   {s}    {step_times[s]:7.1f} s wall, {step_cpu[s]:.1f} s cpu (sum of step times)', flush=True)
print(f'pytorch   bank at the end of Step 2: {bank_rows_end} rows', flush=True)


def bilinear(out_size, in_size, start, span):
    m = torch.zeros(out_size, in_size)
    o = torch.arange(out_size, dtype=torch.float64)
    src = ((o + 0.5 - start) / span) * in_size - 0.5
    f = torch.floor(src)
    lerp = (src - f).float()
    lo = f.clamp(0, in_size - 1).long()
    hi = (f + 1).clamp(0, in_size - 1).long()
    m.index_put_((torch.arange(out_size), lo), 1 - lerp, accumulate=True)
    m.index_put_((torch.arange(out_size), hi), lerp, accumulate=True)
    return m


pred_dir = os.path.join(args.out, 'predictions')
os.makedirs(pred_dir, exist_ok=True)
with timed('predict'):
    cn = F.normalize(cent.detach(), dim=-1)
    with torch.no_grad():
        for i in range(N):
            x = feats[i]
            y = t_head(x)
            yf = t_head(x.view(g, g, D).flip(1).reshape(-1, D)).view(g, g, R).flip(1).reshape(-1, R)
            E = ((y + yf) / 2).view(g, g, R)
            W, H = sizes[i]
            s = max(SIZE / W, SIZE / H)
            rw, rh = SIZE / s, SIZE / s
            Ry, Rx = bilinear(H, g, (H - rh) / 2, rh), bilinear(W, g, (W - rw) / 2, rw)
            up = torch.einsum('yh,hwr->ywr', Ry, E)
            up = torch.einsum('xw,ywr->yxr', Rx, up).reshape(-1, R)
            cos = F.normalize(up, dim=-1) @ cn.t()
            conf = (cos * 3).softmax(1).max(1).values
            ids = cos.argmax(1)
            Image.fromarray(ids.view(H, W).to(torch.uint8).numpy(), 'L').save(os.path.join(pred_dir, f'{i}.png'))
            Image.fromarray((conf * 255).round().view(H, W).to(torch.uint8).numpy(), 'L').save(os.path.join(pred_dir, f'{i}_conf.png'))

with timed('eval'):
    C = 27
    lut = np.full(256, 255, np.uint8)
    lut[7:34] = np.arange(27)
    hist = np.zeros((K, C), np.int64)

    def reference(a):
        h, w = a.shape
        if w <= h:
            nw, nh = 320, (320 * h) // w
        else:
            nw, nh = (320 * w) // h, 320
        a = np.asarray(Image.fromarray(a).resize((nw, nh), Image.NEAREST))
        left, top = int(round((nw - 320) / 2)), int(round((nh - 320) / 2))
        return a[top : top + 320, left : left + 320]

    for i in range(N):
        lab = lut[reference(np.asarray(Image.open(labels[i])))]
        pred = reference(np.asarray(Image.open(os.path.join(pred_dir, f'{i}.png'))))
        ok = lab != 255
        hist += np.bincount(pred[ok].astype(np.int64) * C + lab[ok], minlength=K * C).reshape(K, C)
    rows, cols = linear_sum_assignment(hist, maximize=True)
    tp = np.zeros(C)
    pred_total = np.zeros(C)
    for r, c in zip(rows, cols):
        tp[c] = hist[r, c]
        pred_total[c] = hist[r].sum()
    gt = hist.sum(0)
    union = gt + pred_total - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    miou = float(np.nanmean(iou))
    miou_present = float(np.mean(iou[gt > 0]))
total = sum(stages[k]['seconds'] for k in ('features', 'train', 'predict', 'eval'))
total_cpu = sum(stages[k]['cpuSeconds'] for k in ('features', 'train', 'predict', 'eval'))
stages['total'] = {'seconds': total, 'cpuSeconds': total_cpu}
print(f'pytorch total {total:.1f} s wall, {total_cpu:.1f} s cpu; mIoU {miou * 100:.1f} (present-class {miou_present * 100:.1f}); load {" ".join(f"{v:.1f}" for v in os.getloadavg())}')
print('PYTORCH ' + json.dumps({'torch': torch.__version__, 'threads': args.threads, 'stages': stages, 'miou': miou, 'miouPresent': miou_present, 'bankRows': bank_rows_end}))
