#!/usr/bin/env python3
"""A second, independent reading of the paper's equations in PyTorch (automatic differentiation), writing a golden
fixture in the format of ../shared/fixtures/plastic-lstm-golden.json for other sizes and seeds.

It shares no code with the Java model: forward pass straight from docs/model.md / model-spec.md, gradients by
autograd. Usage (Debian's python3-torch):

    /usr/bin/python3 model-core/src/test/python/make_golden.py --vocab 13 --hidden 9 --layers 3 --batch 2 \
        --steps 6 --segments 3 --seed 2026 /tmp/other-sizes.json
    gzip -9 -c /tmp/other-sizes.json > model-core/src/test/resources/golden/other-sizes.json.gz

(hidden 9 is not a multiple of the vector width, so the fused kernels' row padding is exercised; three layers and
three segments, where the shared fixture has two of each.)
"""
import argparse
import json

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

CLIPS = {"LSTM": 1.0, "PLASTIC": 0.3, "SIMPLE": 0.05, "RETRO": 0.01}  # small enough that traces saturate


def parameters(variant, vocab, n, layers, gen):
    def uniform(*shape, scale=0.5):
        return (torch.rand(*shape, generator=gen) * 2 - 1) * scale

    p = {"embedding": uniform(vocab, n), "softmax_w": uniform(n, vocab), "softmax_b": uniform(vocab, scale=0.3)}
    for l in range(layers):
        k = f"layer{l}."
        p[k + "wx"] = uniform(n, 4 * n)      # gate blocks i, f, o, g
        p[k + "wh"] = uniform(n, 4 * n)
        p[k + "b"] = uniform(4 * n, scale=0.3)
        if variant != "LSTM":
            p[k + "alpha"] = uniform(n, n)   # [i pre][j post]
            p[k + "eta"] = uniform(n, n)     # eta (PLASTIC) or the fan-out u
        if variant in ("SIMPLE", "RETRO"):
            p[k + "mv"] = uniform(n, 1)
            p[k + "mb"] = uniform(1, scale=0.3)
        if variant == "RETRO":
            p[k + "edecay"] = torch.rand(1, generator=gen) * 0.5 + 0.1
    return p


def layer_step(variant, p, k, x, s, clip, n):
    """One step of one layer: returns h and the new state {h, c, hebb, e}."""
    h_prev = s["h"]
    a = x @ p[k + "wx"] + h_prev @ p[k + "wh"] + p[k + "b"]
    i, f, o = torch.sigmoid(a[:, :n]), torch.sigmoid(a[:, n:2 * n]), torch.sigmoid(a[:, 2 * n:3 * n])
    a_g = a[:, 3 * n:]
    if variant != "LSTM":
        # sum_i h_i(t-1) alpha_ij Hebb_ij(t)
        a_g = a_g + torch.einsum("bi,bij->bj", h_prev, p[k + "alpha"] * s["hebb"])
    g = torch.tanh(a_g)
    c = f * s["c"] + i * g
    h = o * torch.tanh(c)
    new = {"h": h, "c": c}
    if variant != "LSTM":
        outer = torch.einsum("bi,bj->bij", h_prev, g)   # pre-synaptic h(t-1), post-synaptic g(t)
        if variant == "PLASTIC":
            delta = p[k + "eta"] * outer
        else:
            m = torch.tanh(h_prev @ p[k + "mv"] + p[k + "mb"])   # M(t) from h(t-1), [B, 1]
            if variant == "SIMPLE":
                delta = m[:, :, None] * p[k + "eta"] * outer
            else:
                delta = m[:, :, None] * p[k + "eta"] * s["e"]     # Hebb takes the old E
                lam = p[k + "edecay"]
                new["e"] = (1 - lam) * s["e"] + lam * outer
        new["hebb"] = torch.clamp(s["hebb"] + delta, -clip, clip)
    return h, new


def case(variant, vocab, n, layers, batch, steps, segments, seed):
    gen = torch.Generator().manual_seed(seed)
    clip = CLIPS[variant]
    p0 = parameters(variant, vocab, n, layers, gen)
    tokens = torch.randint(0, vocab, (batch, segments * steps + 1), generator=gen)
    zero = lambda *shape: torch.zeros(*shape)
    state = []
    for _ in range(layers):
        s = {"h": zero(batch, n), "c": zero(batch, n)}
        if variant != "LSTM":
            s["hebb"] = zero(batch, n, n)
        if variant == "RETRO":
            s["e"] = zero(batch, n, n)
        state.append(s)
    out_segments = []
    for seg in range(segments):
        p = {k: v.clone().requires_grad_(True) for k, v in p0.items()}
        inputs = tokens[:, seg * steps:(seg + 1) * steps]
        targets = tokens[:, seg * steps + 1:(seg + 1) * steps + 1]
        st = [{k: v.detach() for k, v in s.items()} for s in state]   # truncated BPTT: no gradient into the past
        loss = torch.zeros(())
        for t in range(steps):
            x = p["embedding"][inputs[:, t]]
            for l in range(layers):
                x, st[l] = layer_step(variant, p, f"layer{l}.", x, st[l], clip, n)
            logits = x @ p["softmax_w"] + p["softmax_b"]
            loss = loss + F.cross_entropy(logits, targets[:, t])    # batch mean, summed over steps
        loss.backward()
        state = [{k: v.detach() for k, v in s.items()} for s in st]
        out_segments.append({
            "inputs": inputs.tolist(), "targets": targets.tolist(), "loss": loss.item(),
            "gradients": {k: tensor(v.grad) for k, v in p.items()},
            "final_state": [{k: tensor(v) for k, v in s.items()} for s in state],
        })
    return {"variant": variant, "vocab": vocab, "hidden": n, "batch": batch, "steps": steps, "trace_clip": clip,
            "tokens": tokens.tolist(), "parameters": {k: tensor(v) for k, v in p0.items()}, "segments": out_segments}


def tensor(t):
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("vocab", 23), ("hidden", 9), ("layers", 3), ("batch", 2), ("steps", 6), ("segments", 3),
                          ("seed", 2026)]:
        ap.add_argument("--" + name, type=int, default=default)
    ap.add_argument("out")
    a = ap.parse_args()
    models = [case(v, a.vocab, a.hidden, a.layers, a.batch, a.steps, a.segments, a.seed + k)
              for k, v in enumerate(["LSTM", "PLASTIC", "SIMPLE", "RETRO"])]
    with open(a.out, "w") as f:
        json.dump({"about": "make_golden.py " + " ".join(f"--{k} {v}" for k, v in vars(a).items() if k != "out"),
                   "layout": "as ../shared/fixtures/plastic-lstm-golden.json", "models": models}, f)


if __name__ == "__main__":
    main()
