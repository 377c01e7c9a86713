"""Backpropagation by hand through a character-level MLP, the way makemore part 4 does it.

The idioms are the ones students meet in "becoming a backprop ninja": parameters made with
`torch.randn(..., generator=g)` and scaled by hand (Kaiming's 5/3 gain for tanh), BatchNorm
written out one line per intermediate (bnmeani, bndiff, bndiff2, bnvar with Bessel's n-1,
bnvar_inv, bnraw), the cross-entropy written out too (logit_maxes, norm_logits, counts,
counts_sum, counts_sum_inv, probs, logprobs, `-logprobs[range(n), Yb].mean()`), every
intermediate `t.retain_grad()`-ed, and then the backward pass written out by hand, one line
(or a few) per intermediate, from dlogprobs back to demb and dC, each checked against autograd
with a `cmp(name, dt, t)` that reports exact and approximate agreement. Then the two shortcuts
(the cross-entropy's dlogits = softmax - one_hot over n, the BatchNorm backward in one
expression), and a training loop that uses only the hand-derived gradients under
`torch.no_grad()`.

The names are generated in code (makemore_mlp_batchnorm.make_names) and passed in, so
nothing is downloaded. The block between the two `# ---` lines is the only text that differs from the
PyTorch version: tests/test_programs_backprop.py runs this file as it is and with `minigrad`
swapped for `torch`, from the same initial weights and batches, and compares the losses.
"""
# --- imports
import minigrad as torch
import minigrad.nn.functional as F
# ---

import numpy as np

block_size = 3          # context length: how many characters predict the next one
n_embd = 10             # the dimensionality of the character embedding vectors
n_hidden = 64           # the number of neurons in the hidden layer of the MLP


def build_dataset(words, stoi):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def init_parameters(vocab_size, seed=2147483647):
    g = torch.Generator().manual_seed(seed)   # for reproducibility
    C = torch.randn((vocab_size, n_embd), generator=g)
    # Layer 1
    W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.1   # useless because of BN, but fun to check
    # Layer 2
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.1
    b2 = torch.randn(vocab_size, generator=g) * 0.1
    # BatchNorm parameters: not all ones and zeros, so that a wrong backward cannot hide
    bngain = torch.randn((1, n_hidden), generator=g) * 0.1 + 1.0
    bnbias = torch.randn((1, n_hidden), generator=g) * 0.1
    return [C, W1, b1, W2, b2, bngain, bnbias]


checks = []


def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    checks.append((s, ex, app, maxdiff))
    if verbose:
        print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')


verbose = False


def main(words, max_steps=100, batch_size=32, init=None, batch_seed=0, lr=0.1):
    """Check the hand-derived gradients on one batch, then train with them.

    Returns (checks: [(name, exact, approximate, maxdiff)], the checked batch's loss, the
    training losses, the parameters after training); init is a list of 7 arrays that replaces
    the generated parameters (C, W1, b1, W2, b2, bngain, bnbias)."""
    checks.clear()
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    vocab_size = len(stoi)
    Xtr, Ytr = build_dataset(words[:int(0.9 * len(words))], stoi)

    parameters = init_parameters(vocab_size)
    if init is not None:
        parameters = [torch.tensor(np.array(a)) for a in init]
    C, W1, b1, W2, b2, bngain, bnbias = parameters
    for p in parameters:
        p.requires_grad = True

    batches = np.random.default_rng(batch_seed)     # the same minibatches for both libraries
    n = batch_size
    ix = torch.tensor(batches.integers(0, Xtr.shape[0], size=batch_size))
    Xb, Yb = Xtr[ix], Ytr[ix]

    # forward pass, "chunkated" into smaller steps that are possible to backward one at a time
    emb = C[Xb]                                   # embed the characters into vectors
    embcat = emb.view(emb.shape[0], -1)           # concatenate the vectors
    # Linear layer 1
    hprebn = embcat @ W1 + b1                     # hidden layer pre-activation
    # BatchNorm layer
    bnmeani = 1/n*hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1/(n-1)*(bndiff2).sum(0, keepdim=True)   # Bessel's correction (n-1, not n)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    # Non-linearity
    h = torch.tanh(hpreact)                       # hidden layer
    # Linear layer 2
    logits = h @ W2 + b2                          # output layer
    # cross entropy loss (same as F.cross_entropy(logits, Yb))
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes            # subtract max for numerical stability
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()

    # PyTorch backward pass
    for p in parameters:
        p.grad = None
    for t in [logprobs, probs, counts, counts_sum, counts_sum_inv,
              norm_logits, logit_maxes, logits, h, hpreact, bnraw,
              bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
              embcat, emb]:
        t.retain_grad()
    loss.backward()

    # Exercise 1: backprop through the whole thing manually, one intermediate at a time
    dlogprobs = torch.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0/n
    dprobs = (1.0/probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
    dcounts += torch.ones_like(counts) * dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.clone()
    dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
    dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnraw = bngain * dhpreact
    dbnbias = dhpreact.sum(0, keepdim=True)
    dbndiff = bnvar_inv * dbnraw
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
    dbnvar = (-0.5*(bnvar + 1e-5)**-1.5) * dbnvar_inv
    dbndiff2 = (1.0/(n-1))*torch.ones_like(bndiff2) * dbnvar
    dbndiff += (2*bndiff) * dbndiff2
    dhprebn = dbndiff.clone()
    dbnmeani = (-dbndiff).sum(0)
    dhprebn += 1.0/n * (torch.ones_like(hprebn) * dbnmeani)
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = torch.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]

    cmp('logprobs', dlogprobs, logprobs)
    cmp('probs', dprobs, probs)
    cmp('counts_sum_inv', dcounts_sum_inv, counts_sum_inv)
    cmp('counts_sum', dcounts_sum, counts_sum)
    cmp('counts', dcounts, counts)
    cmp('norm_logits', dnorm_logits, norm_logits)
    cmp('logit_maxes', dlogit_maxes, logit_maxes)
    cmp('logits', dlogits, logits)
    cmp('h', dh, h)
    cmp('W2', dW2, W2)
    cmp('b2', db2, b2)
    cmp('hpreact', dhpreact, hpreact)
    cmp('bngain', dbngain, bngain)
    cmp('bnbias', dbnbias, bnbias)
    cmp('bnraw', dbnraw, bnraw)
    cmp('bnvar_inv', dbnvar_inv, bnvar_inv)
    cmp('bnvar', dbnvar, bnvar)
    cmp('bndiff2', dbndiff2, bndiff2)
    cmp('bndiff', dbndiff, bndiff)
    cmp('bnmeani', dbnmeani, bnmeani)
    cmp('hprebn', dhprebn, hprebn)
    cmp('embcat', dembcat, embcat)
    cmp('W1', dW1, W1)
    cmp('b1', db1, b1)
    cmp('emb', demb, emb)
    cmp('C', dC, C)

    # Exercise 2: the loss in one call, and its gradient in one expression
    loss_fast = F.cross_entropy(logits, Yb)
    if verbose:
        print(loss_fast.item(), 'diff:', (loss_fast - loss).item())
    dlogits = F.softmax(logits, 1)
    dlogits[range(n), Yb] -= 1
    dlogits /= n
    cmp('logits (fast)', dlogits, logits)

    # Exercise 3: BatchNorm's backward in one expression
    dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
    cmp('hprebn (fast)', dhprebn, hprebn)
    checked_loss = loss.item()

    # Exercise 4: train with the hand-derived gradients only
    lossi = []
    with torch.no_grad():
        for i in range(max_steps):
            ix = torch.tensor(batches.integers(0, Xtr.shape[0], size=batch_size))
            Xb, Yb = Xtr[ix], Ytr[ix]
            # forward pass
            emb = C[Xb]
            embcat = emb.view(emb.shape[0], -1)
            hprebn = embcat @ W1 + b1
            bnmean = hprebn.mean(0, keepdim=True)
            bnvar = hprebn.var(0, keepdim=True, unbiased=True)
            bnvar_inv = (bnvar + 1e-5)**-0.5
            bnraw = (hprebn - bnmean) * bnvar_inv
            hpreact = bngain * bnraw + bnbias
            h = torch.tanh(hpreact)
            logits = h @ W2 + b2
            loss = F.cross_entropy(logits, Yb)
            # manual backprop
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dW2 = h.T @ dlogits
            db2 = dlogits.sum(0)
            dhpreact = (1.0 - h**2) * dh
            dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
            dbnbias = dhpreact.sum(0, keepdim=True)
            dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
            dembcat = dhprebn @ W1.T
            dW1 = embcat.T @ dhprebn
            db1 = dhprebn.sum(0)
            demb = dembcat.view(emb.shape)
            dC = torch.zeros_like(C)
            for k in range(Xb.shape[0]):
                for j in range(Xb.shape[1]):
                    ix = Xb[k, j]
                    dC[ix] += demb[k, j]
            grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]
            # update
            for p, grad in zip(parameters, grads):
                p.data += -lr * grad
            lossi.append(loss.item())
            if verbose and i % 100 == 0:
                print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    return list(checks), checked_loss, lossi, parameters


if __name__ == "__main__":
    from makemore_mlp_batchnorm import make_names
    verbose = True
    main(make_names(4000), max_steps=2000)
