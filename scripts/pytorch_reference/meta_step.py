"""PyTorch reference for metanas's speed comparison (README "Speed").

One BASE multi-task meta-step in plain PyTorch, built like `cargo bench -p metanas-core
--bench meta_step` builds it, so that the two can be timed side by side on one machine
(`scripts/speed_side_by_side.sh`):

- DARTS search net with the 8 DARTS ops (none, max/avg pool 3x3 + batch norm, skip, sep conv
  3x3/5x5, dil conv 3x3/5x5), one normal then one reduction cell of 4 nodes, 8 channels, stem
  3x3 convolution 1 -> 24 with batch norm, channels doubled at the reduction, global average
  pooling and a linear head; batch norm without affine parameters on batch statistics
  (DARTS's `affine=False`); no batch norm between a depthwise and its 1x1 convolution (BASE
  appendix A, as metanas builds `DilConv`).
- Every weight Gaussian: mu and rho with sigma = softplus(rho) (initial sigma 0.05), a fresh
  reparameterised sample mu + eps * sigma per forward pass; architecture logits of the normal
  and the reduction cell sampled by Gumbel-softmax (tau 1).
- 5-way 1-shot with 5 queries per class: 4 tasks per meta-step, each 5 inner SGD steps (rate
  0.01 for mu, rho and the logits) on all 30 images on the loss cross-entropy + (KL of the
  weights + KL of the architecture) / 30 against the shared W, then W <- W + mean_c(W_c - W).

The images are random 28x28 grey values (the arithmetic does not depend on them). Run with
a Python that has torch installed:

    python3 scripts/pytorch_reference/meta_step.py --steps 3 [--threads 2] [--device cuda]

`--device cuda` runs it on a GPU (random numbers are still drawn on the host, from the same
seeded generator, and copied over, as metanas uploads its noise); `--flops` also counts the
floating-point operations of one inner step with PyTorch's FlopCounterMode.
"""

import argparse
import math
import resource
import time

import torch
import torch.nn.functional as F

OPS = ["none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
       "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"]
NODES = 4
C = 8
STEM = 3 * C
WAYS, SHOTS, QUERIES = 5, 1, 5
TASKS = 4
INNER_STEPS = 5
LR = 0.01
SIGMA = 0.05
TAU = 1.0


class Weights:
    """The means of every Gaussian weight, in the order the network uses them."""

    def __init__(self, gen):
        self.gen = gen
        self.mu = []

    def add(self, shape, fan_in):
        bound = 1.0 / math.sqrt(fan_in)
        self.mu.append((torch.rand(shape, generator=self.gen) * 2 - 1) * bound)
        return len(self.mu) - 1

    def conv(self, c_out, c_in_per_group, k):
        return self.add((c_out, c_in_per_group, k, k), c_in_per_group * k * k)


def bn(x):
    return F.batch_norm(x, None, None, training=True, eps=1e-5)


class ReluConvBn:
    def __init__(self, ws, c_in, c_out):
        self.w = ws.conv(c_out, c_in, 1)

    def __call__(self, x, w):
        return bn(F.conv2d(F.relu(x), w[self.w]))


class DilConv:
    def __init__(self, ws, c, k, stride, dilation):
        self.k, self.stride, self.dilation = k, stride, dilation
        self.dw = ws.conv(c, 1, k)
        self.pw = ws.conv(c, c, 1)

    def __call__(self, x, w):
        pad = self.dilation * (self.k - 1) // 2
        c = x.shape[1]
        y = F.conv2d(F.relu(x), w[self.dw], stride=self.stride, padding=pad,
                     dilation=self.dilation, groups=c)
        return bn(F.conv2d(y, w[self.pw]))


class SepConv:
    def __init__(self, ws, c, k, stride):
        self.first = DilConv(ws, c, k, stride, 1)
        self.second = DilConv(ws, c, k, 1, 1)

    def __call__(self, x, w):
        return self.second(self.first(x, w), w)


class FactorizedReduce:
    def __init__(self, ws, c_in, c_out):
        self.a = ws.conv(c_out // 2, c_in, 1)
        self.b = ws.conv(c_out - c_out // 2, c_in, 1)

    def __call__(self, x, w):
        x = F.relu(x)
        shifted = F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        a = F.conv2d(x, w[self.a], stride=2)
        b = F.conv2d(shifted, w[self.b], stride=2)
        return bn(torch.cat([a, b], 1))


def candidate(ws, op, c, stride):
    if op == "max_pool_3x3":
        return lambda x, w: bn(F.max_pool2d(x, 3, stride, 1))
    if op == "avg_pool_3x3":
        return lambda x, w: bn(F.avg_pool2d(x, 3, stride, 1, count_include_pad=False))
    if op == "skip_connect":
        return (lambda x, w: x) if stride == 1 else FactorizedReduce(ws, c, c)
    if op.startswith("sep_conv"):
        return SepConv(ws, c, int(op[-1]), stride)
    if op.startswith("dil_conv"):
        return DilConv(ws, c, int(op[-1]), stride, 2)
    raise ValueError(op)


class Cell:
    def __init__(self, ws, c_pp, c_p, c, reduce):
        self.pre0 = ReluConvBn(ws, c_pp, c)
        self.pre1 = ReluConvBn(ws, c_p, c)
        self.reduce = reduce
        self.edges = []  # (from, to, row, [(column, op)])
        row = 0
        for to in range(2, NODES + 2):
            for frm in range(to):
                stride = 2 if reduce and frm < 2 else 1
                ops = [(col, candidate(ws, op, c, stride))
                       for col, op in enumerate(OPS) if op != "none"]
                self.edges.append((frm, to, row, ops))
                row += 1

    def __call__(self, s0, s1, z, w):
        states = [self.pre0(s0, w), self.pre1(s1, w)]
        for to in range(2, NODES + 2):
            node = 0
            for frm, t, row, ops in self.edges:
                if t != to:
                    continue
                for col, op in ops:
                    node = node + z[row, col] * op(states[frm], w)
            states.append(node)
        return torch.cat(states[2:], 1)


class Network:
    def __init__(self, gen):
        ws = Weights(gen)
        self.stem = ws.conv(STEM, 1, 3)
        self.normal = Cell(ws, STEM, STEM, C, False)
        self.reduction = Cell(ws, STEM, NODES * C, 2 * C, True)
        c_out = NODES * 2 * C
        self.head_w = ws.add((c_out, WAYS), c_out)
        self.head_b = ws.add((WAYS,), c_out)
        self.mu = ws.mu
        self.edges = len(self.normal.edges)

    def __call__(self, x, z_normal, z_reduce, w):
        s = bn(F.conv2d(x, w[self.stem], padding=1))
        s1 = self.normal(s, s, z_normal, w)
        s2 = self.reduction(s, s1, z_reduce, w)
        pooled = s2.mean((2, 3))
        return pooled @ w[self.head_w] + w[self.head_b]


DEVICE = torch.device("cpu")


def gumbel_softmax(logits, gen):
    u = torch.rand(logits.shape, generator=gen).to(DEVICE).clamp_(1e-10, 1.0 - 1e-7)
    return F.softmax((logits - torch.log(-torch.log(u))) / TAU, dim=1)


def gaussian_kl(mu_q, sigma_q, mu_p, sigma_p):
    return (torch.log(sigma_p / sigma_q)
            + (sigma_q ** 2 + (mu_q - mu_p) ** 2) / (2 * sigma_p ** 2) - 0.5).sum()


def categorical_kl(logits_q, logits_p):
    log_q = F.log_softmax(logits_q, 1)
    return (log_q.exp() * (log_q - F.log_softmax(logits_p, 1))).sum()


def loss_of(net, params, prior, x, y, gen):
    """Cross-entropy of one sampled forward pass plus the KL terms per example."""
    n = len(net.mu)
    mus, rhos, phi_n, phi_r = params[:n], params[n:2 * n], params[-2], params[-1]
    sigmas = [F.softplus(r) for r in rhos]
    w = [m + torch.randn(m.shape, generator=gen).to(DEVICE) * s for m, s in zip(mus, sigmas)]
    out = net(x, gumbel_softmax(phi_n, gen), gumbel_softmax(phi_r, gen), w)
    p_mu, p_sigma, p_phi_n, p_phi_r = prior
    kl_w = gaussian_kl(torch.cat([m.flatten() for m in mus]),
                       torch.cat([s.flatten() for s in sigmas]), p_mu, p_sigma)
    kl_a = categorical_kl(phi_n, p_phi_n) + categorical_kl(phi_r, p_phi_r)
    return F.cross_entropy(out, y) + (kl_w + kl_a) / x.shape[0]


def prior_of(net, meta):
    n = len(net.mu)
    return (torch.cat([m.flatten() for m in meta[:n]]),
            torch.cat([F.softplus(r).flatten() for r in meta[n:2 * n]]),
            meta[-2], meta[-1])


def meta_step(net, meta, tasks, gen):
    prior = prior_of(net, meta)
    adapted = []
    for x, y in tasks:
        q = [p.clone().requires_grad_(True) for p in meta]
        for _ in range(INNER_STEPS):
            loss = loss_of(net, q, prior, x, y, gen)
            grads = torch.autograd.grad(loss, q)
            with torch.no_grad():
                q = [(p - LR * g).requires_grad_(True) for p, g in zip(q, grads)]
        adapted.append([p.detach() for p in q])
    # W <- W + lambda * mean_c(W_c - W) with lambda = 1.
    return [torch.stack([a[i] for a in adapted]).mean(0) for i in range(len(meta))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1, help="timed meta-steps")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch intra-op threads (default: every core)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--flops", action="store_true",
                        help="count one inner step's FLOPs with FlopCounterMode")
    args = parser.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    sync = torch.cuda.synchronize if DEVICE.type == "cuda" else (lambda: None)
    if args.threads:
        torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(1)
    net = Network(gen)
    net.mu = [m.to(DEVICE) for m in net.mu]
    rho = math.log(math.expm1(SIGMA))
    meta = ([m.clone() for m in net.mu] + [torch.full_like(m, rho) for m in net.mu]
            + [(torch.randn(net.edges, len(OPS), generator=gen) * 1e-3).to(DEVICE)
               for _ in range(2)])
    n = WAYS * (SHOTS + QUERIES)
    batches = [[(torch.rand(n, 1, 28, 28, generator=gen).to(DEVICE),
                 torch.arange(WAYS).repeat_interleave(SHOTS + QUERIES).to(DEVICE))
                for _ in range(TASKS)] for _ in range(args.steps)]

    if args.flops:
        from torch.utils.flop_counter import FlopCounterMode
        x, y = batches[0][0]
        q = [p.clone().requires_grad_(True) for p in meta]
        counter = FlopCounterMode(display=False)
        with counter:
            torch.autograd.grad(loss_of(net, q, prior_of(net, meta), x, y, gen), q)
        print(f"FLOPs of one inner step on {len(y)} images: "
              f"{counter.get_total_flops() / 1e9:.2f} GFLOP")
        for op, flops in sorted(counter.get_flop_counts()["Global"].items(),
                                key=lambda kv: -kv[1]):
            print(f"  {op}: {flops / 1e9:.3f} GFLOP")

    # Where one inner step's time goes (25 images, as the metanas bench splits it).
    x, y = batches[0][0][0][:25], batches[0][0][1][:25]
    q = [p.clone().requires_grad_(True) for p in meta]
    prior = prior_of(net, meta)
    fwd = bwd = 0.0
    reps = 3
    for _ in range(reps):
        sync()
        t0 = time.perf_counter()
        loss = loss_of(net, q, prior, x, y, gen)
        sync()
        t1 = time.perf_counter()
        torch.autograd.grad(loss, q)
        sync()
        t2 = time.perf_counter()
        fwd, bwd = fwd + t1 - t0, bwd + t2 - t1
    print(f"one inner step on 25 images: forward + loss {fwd / reps:.3f} s, "
          f"backward {bwd / reps:.3f} s")
    print(f"BASE multi-task meta-step, PyTorch {torch.__version__} "
          f"({torch.get_num_threads()} threads, {DEVICE}), same configuration as metanas's bench")
    sync()
    start = time.perf_counter()
    for tasks in batches:
        meta = meta_step(net, meta, tasks, gen)
    sync()
    secs = (time.perf_counter() - start) / args.steps
    print(f"{secs:.2f} s per meta-step (mean of {args.steps})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
