"""A character-level language model with BatchNorm1d, written the way makemore part 3 writes it.

The idioms are the ones students meet there: a vocabulary built from the data (stoi/itos with
'.' as the boundary token), a dataset of fixed-length contexts shifted one character at a time,
an embedding table looked up with integer tensors, `emb.view(emb.shape[0], -1)`, a Linear
without bias before BatchNorm1d, `with torch.no_grad(): layers[-1].weight *= 0.1` to make the
last layer less confident, `p.requires_grad = True`, a minibatch drawn as `Xtr[ix]`,
F.cross_entropy, `p.grad = None`, the update `p.data += -lr * p.grad` with a step decay,
`lossi.append(loss.log10().item())`, the update-to-data ratios
`((lr * p.grad).std() / p.data.std()).log10()`, a `@torch.no_grad()` split loss in eval mode,
and greedy sampling from the trained model.

The names are generated in code (syllables drawn by a seeded NumPy generator), so nothing is
downloaded. The block between the two `# ---` lines is the only text that differs from the
PyTorch version: tests/test_programs_layers.py runs this file as it is and with `minigrad`
swapped for `torch`, from the same initial weights and the same minibatches, and compares the
losses. Run it directly for a longer training: `python tests/programs/makemore_mlp_batchnorm.py`.
"""
# --- imports
import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
# ---

import numpy as np

block_size = 3          # context length: how many characters predict the next one
n_embd = 10             # the dimensionality of the character embedding vectors
n_hidden = 64           # the number of neurons in the hidden layer


def make_names(count, seed=0):
    """Pronounceable made-up names: 1 to 3 syllables of (consonant, vowel[, ending])."""
    rng = np.random.default_rng(seed)
    onsets = ["b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "sh", "th", "j", "z"]
    vowels = ["a", "e", "i", "o", "u", "ia", "ee", "y"]
    endings = ["", "", "", "n", "l", "r", "h", "s"]
    names = []
    for _ in range(count):
        syllables = rng.integers(1, 4)
        names.append("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(endings)
                             for _ in range(syllables)))
    return names


def vocabulary(words):
    """stoi and itos: '.' (the start and the end of a name) is 0, the letters 1, 2, ..."""
    chars = sorted(list(set(''.join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


def build_dataset(words, stoi):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]     # crop and append
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    return X, Y


def build_model(vocab_size):
    model = nn.Sequential(
        nn.Embedding(vocab_size, n_embd),
        nn.Flatten(),
        nn.Linear(n_embd * block_size, n_hidden, bias=False), nn.BatchNorm1d(n_hidden), nn.Tanh(),
        nn.Linear(n_hidden, vocab_size),
    )
    with torch.no_grad():
        model[-1].weight *= 0.1              # make the last layer less confident at initialisation
    return model


def main(max_steps=200, batch_size=32, num_names=400, init_state=None, batch_seed=0, track_ud=False,
         verbose=False):
    """Train, and return (lossi, ud, split losses, samples); ud is filled when track_ud is set."""
    words = make_names(num_names)
    stoi, itos = vocabulary(words)
    vocab_size = len(itos)

    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi)
    Xdev, Ydev = build_dataset(words[n1:n2], stoi)
    Xte, Yte = build_dataset(words[n2:], stoi)

    model = build_model(vocab_size)
    if init_state is not None:
        model.load_state_dict(init_state)
    parameters = list(model.parameters())
    if verbose:
        print(sum(p.nelement() for p in parameters))   # number of parameters in total
    for p in parameters:
        p.requires_grad = True

    # the minibatch indices come from NumPy, so that both libraries see the same batches
    batches = np.random.default_rng(batch_seed)
    lossi, ud = [], []
    for i in range(max_steps):
        # minibatch construct
        ix = torch.tensor(batches.integers(0, Xtr.shape[0], size=batch_size))
        Xb, Yb = Xtr[ix], Ytr[ix]

        # forward pass
        emb = model[0](Xb)                        # embed the characters into vectors
        embcat = emb.view(emb.shape[0], -1)       # concatenate the vectors
        logits = model[2:](embcat)
        loss = F.cross_entropy(logits, Yb)

        # backward pass
        for p in parameters:
            p.grad = None
        loss.backward()

        # update
        lr = 0.1 if i < max_steps * 3 // 4 else 0.01   # step learning rate decay
        for p in parameters:
            p.data += -lr * p.grad

        # track stats
        if verbose and i % 100 == 0:
            print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
        lossi.append(loss.log10().item())
        if track_ud:
            with torch.no_grad():
                ud.append([((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters])

    @torch.no_grad()
    def split_loss(split):
        x, y = {'train': (Xtr, Ytr), 'val': (Xdev, Ydev), 'test': (Xte, Yte)}[split]
        logits = model(x)
        return F.cross_entropy(logits, y).item()

    model.eval()
    losses = {split: split_loss(split) for split in ('train', 'val')}

    # sample from the model: from a given first letter, take the most likely next character
    samples = []
    with torch.no_grad():
        for first in 'kmst':
            out, context = [stoi[first]], [0] * (block_size - 1) + [stoi[first]]
            for _ in range(12):
                logits = model(torch.tensor([context]))
                probs = F.softmax(logits, dim=1)
                ix = torch.argmax(probs, dim=1).item()
                context = context[1:] + [ix]
                if ix == 0:
                    break
                out.append(ix)
            samples.append(''.join(itos[i] for i in out))
    model.train()
    if verbose:
        print(losses, samples)
    return lossi, ud, losses, samples


if __name__ == "__main__":
    main(max_steps=5000, num_names=4000, track_ud=True, verbose=True)
