"""Batch normalization from scratch in an MLP, written the way d2l's chapter writes it.

The idioms are the ones students meet there: a `batch_norm` function that tests
`torch.is_grad_enabled()` to choose between the batch statistics (training) and the moving
ones (prediction), handles 2-d (fully connected) and 4-d (convolutional) input, updates the
moving averages with `momentum` as the weight of the new batch and hands them back through
`.data`; a `BatchNorm` module with `nn.Parameter(torch.ones(shape))` for the scale, moving
statistics kept as plain tensors and moved with `.to(X.device)` when the input sits elsewhere;
`net.apply(init_weights)` with `nn.init.normal_`; `nn.CrossEntropyLoss(reduction='none')`
with `l.mean().backward()`; and the accuracy written as
`(y_hat.argmax(axis=1).type(y.dtype) == y).type(torch.float32).sum()`.

The data are three Gaussian clusters in 20 dimensions, generated in code. The block between the
two `# ---` lines is the only text that differs from the PyTorch version:
tests/test_programs_layers.py runs this file as it is and with `minigrad` swapped for `torch`,
from the same initial weights and batches, and compares the losses.
"""
# --- imports
import minigrad as torch
from minigrad import nn
# ---

import numpy as np


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    if not torch.is_grad_enabled():
        # prediction: normalise with the moving statistics
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # fully connected: statistics over the batch, one per feature
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # convolutional: one per channel, over the batch and both spatial axes
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))      # scale, learned
        self.beta = nn.Parameter(torch.zeros(shape))      # shift, learned
        self.moving_mean = torch.zeros(shape)             # not parameters: plain tensors
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var, eps=1e-5, momentum=0.1)
        return Y


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.1)


def make_data(n, seed):
    """Three Gaussian clusters in 20 dimensions, labels 0, 1, 2."""
    centres = np.random.default_rng(0).normal(0, 0.4, (3, 20))      # the same for every split
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = centres[y] + rng.normal(0, 1, (n, 20))
    return torch.tensor(X.astype(np.float32)), torch.tensor(y)


def data_iter(X, y, batch_size, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y), batch_size):
        idx = torch.tensor(order[start:start + batch_size])
        yield X[idx], y[idx]


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(torch.float32).sum())


def evaluate_accuracy(net, X, y):
    net.eval()
    with torch.no_grad():
        return accuracy(net(X), y) / len(y)


def main(num_epochs=3, lr=0.5, batch_size=32, init_state=None, batch_seed=0):
    """Train; return (the loss of every step, test accuracy, net)."""
    net = nn.Sequential(
        nn.Linear(20, 32), BatchNorm(32, num_dims=2), nn.Sigmoid(),
        nn.Linear(32, 16), BatchNorm(16, num_dims=2), nn.Sigmoid(),
        nn.Linear(16, 3))
    net.apply(init_weights)
    if init_state is not None:
        net.load_state_dict(init_state)
    X_train, y_train = make_data(600, seed=1)
    X_test, y_test = make_data(300, seed=2)
    loss = nn.CrossEntropyLoss(reduction='none')
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    batches = np.random.default_rng(batch_seed)
    losses = []
    for epoch in range(num_epochs):
        net.train()
        for X, y in data_iter(X_train, y_train, batch_size, batches):
            l = loss(net(X), y)
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
            losses.append(l.mean().item())
    return losses, evaluate_accuracy(net, X_test, y_test), net


if __name__ == "__main__":
    losses, test_acc, net = main(num_epochs=10)
    print(f"loss {losses[-1]:.3f}, test acc {test_acc:.3f}")
    print(net[1].gamma.reshape((-1,)), net[1].beta.reshape((-1,)))
