"""LeNet with batch normalization, from scratch and concise, the way d2l's chapter writes it.

The idioms are the ones students meet there: a `batch_norm` function that tests
`torch.is_grad_enabled()` to choose between batch statistics (training) and moving ones
(prediction), with 2-d (fully connected) input reduced over dim 0 and 4-d (convolutional)
input over dims (0, 2, 3) with `keepdim=True`; moving averages updated with `momentum` as the
weight of the OLD value (`momentum * moving_mean + (1.0 - momentum) * mean`, momentum 0.9)
and handed back through `.data`; a `BatchNorm` module with `nn.Parameter` scale and shift and
moving statistics moved with `.to(X.device)`; the LeNet of Conv2d, BatchNorm, Sigmoid,
AvgPool2d, Flatten and Linear; the concise LeNet with nn.BatchNorm2d / nn.BatchNorm1d;
`net.apply(init_weights)` with
`nn.init.xavier_uniform_`; a `try_gpu()` that falls back to `torch.device('cpu')`;
`net.to(device)` and `X, y = X.to(device), y.to(device)`; an accuracy of
`y_hat.argmax(axis=1).type(y.dtype) == y`; and an evaluation under `net.eval()` and
`torch.no_grad()`.

The data are the bundled MNIST digits (d2l uses Fashion-MNIST; both are 28x28 in ten
classes). The block between the two `# ---` lines is the only text that differs from the
PyTorch version: tests/test_programs_conv.py runs this file as it is and with `minigrad`
swapped for `torch`, from the same initial weights and batches, and compares the losses.
"""
# --- imports
import minigrad as torch
from minigrad import nn
from minigrad.utils import data
from minigrad.vision import datasets, transforms
# ---


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # is_grad_enabled tells training (statistics of this batch) from prediction (moving ones)
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # fully connected layer: mean and variance of each feature
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # convolutional layer: mean and variance of each channel, kept 4-d for broadcasting
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # the moving averages: momentum weighs the old value
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    Y = gamma * X_hat + beta  # scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    # num_features: outputs of a fully connected layer or output channels of a convolution;
    # num_dims: 2 for a fully connected layer, 4 for a convolutional one
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.9)
        return Y


def lenet_scratch():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), BatchNorm(6, num_dims=4), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), BatchNorm(16, num_dims=4), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
        nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
        nn.Linear(84, 10))


def lenet_concise():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))


def try_gpu(i=0):
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f'cuda:{i}')
    return torch.device('cpu')


def load_data_mnist(root, batch_size, train_indices, test_indices, shuffle=True):
    trans = transforms.ToTensor()
    mnist_train = datasets.MNIST(root=root, train=True, transform=trans, download=True)
    mnist_test = datasets.MNIST(root=root, train=False, transform=trans, download=True)
    if train_indices is not None:
        mnist_train = data.Subset(mnist_train, train_indices)
    if test_indices is not None:
        mnist_test = data.Subset(mnist_test, test_indices)
    return (data.DataLoader(mnist_train, batch_size, shuffle=shuffle),
            data.DataLoader(mnist_test, batch_size, shuffle=False))


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    if isinstance(net, nn.Module):
        net.eval()  # evaluation mode: BatchNorm uses its moving statistics
        if not device:
            device = next(iter(net.parameters())).device
    correct, total = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            X, y = X.to(device), y.to(device)
            correct += accuracy(net(X), y)
            total += y.numel()
    return correct / total


def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        nn.init.xavier_uniform_(m.weight)


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device, init_state=None):
    """Train; return (the loss of every step, the training accuracy of every step, test acc)."""
    net.apply(init_weights)
    if init_state is not None:
        net.load_state_dict(init_state)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    losses, accs = [], []
    for epoch in range(num_epochs):
        net.train()
        for i, (X, y) in enumerate(train_iter):
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                losses.append(l.item())
                accs.append(accuracy(y_hat, y) / X.shape[0])
    test_acc = evaluate_accuracy_gpu(net, test_iter)
    return losses, accs, test_acc


def main(which='scratch', root='data', lr=1.0, num_epochs=10, batch_size=256, train_indices=None,
         test_indices=None, shuffle=True, init_state=None):
    """Train the scratch or the concise BN LeNet; return (losses, accuracies, test acc, net)."""
    net = lenet_scratch() if which == 'scratch' else lenet_concise()
    train_iter, test_iter = load_data_mnist(root, batch_size, train_indices, test_indices, shuffle)
    losses, accs, test_acc = train_ch6(net, train_iter, test_iter, num_epochs, lr, try_gpu(), init_state)
    return losses, accs, test_acc, net


if __name__ == '__main__':
    for which in ('scratch', 'concise'):
        losses, accs, test_acc, net = main(which, num_epochs=1)
        print(f'{which}: loss {losses[-1]:.3f}, train acc {accs[-1]:.3f}, test acc {test_acc:.3f}')
    print(net[1].weight.reshape((-1,)), net[1].bias.reshape((-1,)))
