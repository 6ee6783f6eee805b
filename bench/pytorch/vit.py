# A ViT encoder in PyTorch with random weights, in timm's layout (fused qkv, pre-LayerNorm, exact GELU,
# CLS token + learned positions for a fixed input size): the PyTorch counterpart of the models the
# studio's ONNX writer makes for its benches (main/engine/onnx/vit-model.ts). Shared by pipeline.py and
# backbone.py.
import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {'vit-s14': (14, 384, 12, 6), 'vit-b8': (8, 768, 12, 12)}


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        B, N, D = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(B, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-2, -1)) * (D // self.heads) ** -0.5).softmax(-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(B, N, D))
        return x + self.fc2(F.gelu(self.fc1(self.n2(x))))


class ViT(nn.Module):
    """pixels [B, 3, size, size] -> patch tokens [B, (size/patch)^2, dim] (CLS dropped)."""

    def __init__(self, name, size):
        super().__init__()
        patch, dim, depth, heads = SHAPES[name]
        self.patch = nn.Conv2d(3, dim, patch, patch)
        n = (size // patch) ** 2
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.norm(x)[:, 1:]
