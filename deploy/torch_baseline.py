#!/usr/bin/env python3
"""A straightforward PyTorch implementation of the basic model's equations, run step by step (autograd, one Python
loop over the 20 steps of a segment), to set the CUDA kernels' speed beside: deploy/gpu-check.sh runs it on the GPU.
Same sizes as `bpm bench --kernels cuda`: vocabulary 10,000, two layers of 200 (LSTM: 206), batch 20 x 20 steps,
SGD lr 1 with the gradient norm clipped to 5. Prints one line per variant: tokens/s of training.

    python3 deploy/torch_baseline.py [VARIANT ...] [--segments N] [--device cuda]
"""
import argparse
import time

import torch

V, B, T, LAYERS = 10000, 20, 20, 2
HIDDEN = {"LSTM": 206, "PLASTIC": 200, "SIMPLE": 200, "RETRO": 200}


def parameters(variant, n, dev):
    def uniform(*shape):
        return (torch.rand(*shape, device=dev) * 0.2 - 0.1).requires_grad_()

    def const(value, *shape):
        return torch.full(shape, value, device=dev).requires_grad_()

    p = {"embedding": uniform(V, n), "softmax_w": uniform(n, V), "softmax_b": const(0.0, V)}
    for l in range(LAYERS):
        p[f"wx{l}"], p[f"wh{l}"], p[f"b{l}"] = uniform(n, 4 * n), uniform(n, 4 * n), const(0.0, 4 * n)
        if variant != "LSTM":
            p[f"alpha{l}"], p[f"rate{l}"] = uniform(n, n), uniform(n, n)  # rate: eta (PLASTIC) or u
        if variant in ("SIMPLE", "RETRO"):
            p[f"v{l}"], p[f"bm{l}"] = uniform(n), const(0.0, 1)
        if variant == "RETRO":
            p[f"lambda{l}"] = const(0.1, 1)
    return p


def zero_state(variant, n, dev):
    traces = variant != "LSTM"
    return [(torch.zeros(B, n, device=dev), torch.zeros(B, n, device=dev),
             torch.zeros(B, n, n, device=dev) if traces else None,
             torch.zeros(B, n, n, device=dev) if variant == "RETRO" else None) for _ in range(LAYERS)]


def segment(p, variant, n, tokens, targets, state, clip=1.0):
    x = p["embedding"][tokens]  # [T, B, N]
    carried = []
    for l in range(LAYERS):
        h, c, hebb, elig = state[l]
        xa = x @ p[f"wx{l}"]
        outs = []
        for t in range(T):
            a = xa[t] + h @ p[f"wh{l}"] + p[f"b{l}"]
            ai, af, ao, ag = a.split(n, dim=1)
            if hebb is not None:  # the plastic input h(t-1) . (alpha * Hebb(t))
                ag = ag + torch.bmm(h.unsqueeze(1), p[f"alpha{l}"] * hebb).squeeze(1)
            i, f, o, g = torch.sigmoid(ai), torch.sigmoid(af), torch.sigmoid(ao), torch.tanh(ag)
            c = f * c + i * g
            h_new = o * torch.tanh(c)
            if hebb is not None:
                outer = h.unsqueeze(2) * g.unsqueeze(1)  # x_i(t-1) x_j(t)
                if variant == "PLASTIC":
                    hebb = torch.clamp(hebb + p[f"rate{l}"] * outer, -clip, clip)
                else:
                    m = torch.tanh(h @ p[f"v{l}"] + p[f"bm{l}"]).view(B, 1, 1)
                    if variant == "SIMPLE":
                        hebb = torch.clamp(hebb + m * p[f"rate{l}"] * outer, -clip, clip)
                    else:
                        lam = p[f"lambda{l}"]
                        hebb = torch.clamp(hebb + m * p[f"rate{l}"] * elig, -clip, clip)
                        elig = (1 - lam) * elig + lam * outer
            h = h_new
            outs.append(h)
        x = torch.stack(outs)
        carried.append(tuple(s.detach() if s is not None else None for s in (h, c, hebb, elig)))
    logits = x.reshape(T * B, n) @ p["softmax_w"] + p["softmax_b"]
    loss = torch.nn.functional.cross_entropy(logits, targets.reshape(-1), reduction="sum") / B
    return loss, carried


def bench(variant, segments, dev):
    n = HIDDEN[variant]
    p = parameters(variant, n, dev)
    state = zero_state(variant, n, dev)
    params = list(p.values())

    def step():
        nonlocal state
        tokens = torch.randint(0, V, (T, B), device=dev)
        targets = torch.randint(0, V, (T, B), device=dev)
        loss, state = segment(p, variant, n, tokens, targets, state)
        for q in params:
            q.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        with torch.no_grad():
            for q in params:
                q -= 0.1 * q.grad
        return loss

    for _ in range(3):
        step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(segments):
        loss = step()
    loss.item()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    print(f"torch  {variant:8s} hidden {n}  {segments * B * T / seconds:10.0f} tokens/s  "
          f"{1e3 * seconds / segments:8.2f} ms/segment  on {name}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("variants", nargs="*", default=["LSTM", "PLASTIC", "SIMPLE", "RETRO"])
    ap.add_argument("--segments", type=int, default=20)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    for v in a.variants:
        bench(v, a.segments, torch.device(a.device))


if __name__ == "__main__":
    main()
