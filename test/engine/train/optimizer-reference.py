#!/usr/bin/env python3
"""Prints the PyTorch reference trajectories that test/engine/train/optimizer.test.ts holds (PYTORCH_REFERENCE).

torch.optim.Adam (lr 0.01, PyTorch's defaults otherwise) and torch.optim.SGD (lr 0.05, momentum 0 and 0.9) on two
float32 parameters, with given gradients and torch.nn.utils.clip_grad_norm_(max_norm=1.0) before every step (the
gradients of steps 2 and 4 are large enough to be clipped). The values are float32 numbers written as the exact
decimal of their double, so the test compares to within float32 rounding.

Recorded with Debian's python3-torch 1.13 (apt-get install python3-torch libopenblas0-pthread):
    /usr/bin/python3 test/engine/train/optimizer-reference.py
"""
import json

import torch

torch.manual_seed(0)
INITIAL = [torch.randn(2, 3), torch.randn(4)]
GRADS = []
for step in range(5):
    scale = 3.0 if step in (1, 3) else 0.3
    GRADS.append([scale * torch.randn(2, 3), scale * torch.randn(4)])


def trajectory(make_optimizer):
    params = [p.clone().requires_grad_(True) for p in INITIAL]
    optimizer = make_optimizer(params)
    after = []
    for grads in GRADS:
        optimizer.zero_grad()
        for p, g in zip(params, grads):
            p.grad = g.clone()
        torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
        optimizer.step()
        after.append([p.detach().flatten().tolist() for p in params])
    return after


reference = {
    'torch': torch.__version__,
    'initial': [p.flatten().tolist() for p in INITIAL],
    'shapes': [list(p.shape) for p in INITIAL],
    'gradients': [[g.flatten().tolist() for g in grads] for grads in GRADS],
    'adam': trajectory(lambda ps: torch.optim.Adam(ps, lr=0.01)),
    'sgd': trajectory(lambda ps: torch.optim.SGD(ps, lr=0.05)),
    'sgdMomentum': trajectory(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
}
print(json.dumps(reference))
