"""A convolutional network trained on MNIST, written the way PyTorch's examples/mnist/main.py is.

The idioms are the ones students meet there: command-line options read by argparse into an
`args` object, `use_cuda = not args.no_cuda and torch.cuda.is_available()` and
`device = torch.device("cuda" if use_cuda else "cpu")`, `torch.manual_seed(args.seed)`,
keyword dicts for the two DataLoaders, `datasets.MNIST(..., download=True, transform=...)` with
`transforms.Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])`, a `Net` of two 3x3
convolutions, ReLU, `F.max_pool2d`, two Dropouts, `torch.flatten(x, 1)`, two Linears and
`F.log_softmax`, `model = Net().to(device)`, `optim.Adadelta` with `StepLR(step_size=1,
gamma=args.gamma)`, `train()` / `test()` functions that call `model.train()` / `model.eval()`,
move every batch with `.to(device)`, use `F.nll_loss` (with `reduction='sum'` in the test),
count `pred.eq(target.view_as(pred)).sum().item()` for `pred = output.argmax(dim=1,
keepdim=True)` under `torch.no_grad()`, print the example's log lines, and end with
`torch.save(model.state_dict(), "mnist_cnn.pt")`.

Beyond the example's options there are four for the tests: --root (where the MNIST files
are), --train-size / --test-size (a leading subset of each split) and --no-dropout (both
Dropouts with p=0: the two libraries draw different masks from the same seed, so the PyTorch
comparison runs without them). The block between the two `# ---` lines is the only text that
differs from the PyTorch version: tests/test_programs_conv.py runs this file as it is and with
`minigrad` swapped for `torch`, from the same initial weights and batches, and compares the
losses. Run it directly for the full example: `python tests/programs/mnist_main.py --epochs 14`.
"""
# --- imports
import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad.optim.lr_scheduler import StepLR
from minigrad.vision import datasets, transforms
# ---

import argparse


class Net(nn.Module):
    def __init__(self, p1=0.25, p2=0.5):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(p1)
        self.dropout2 = nn.Dropout(p2)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            if args.dry_run:
                break
    return losses


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct


def main(argv=None, init_state=None):
    """Run the example; return (every training loss, [(test loss, correct) per epoch], model)."""
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='number of epochs to train (default: 14)')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR',
                        help='learning rate (default: 1.0)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='Learning rate step gamma (default: 0.7)')
    parser.add_argument('--no-cuda', action='store_true', default=False,
                        help='disables CUDA training')
    parser.add_argument('--dry-run', action='store_true', default=False,
                        help='quickly check a single pass')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true', default=False,
                        help='For Saving the current Model')
    parser.add_argument('--root', default='data', help='where the MNIST files are')
    parser.add_argument('--train-size', type=int, default=None, help='train on the first N images')
    parser.add_argument('--test-size', type=int, default=None, help='test on the first N images')
    parser.add_argument('--no-dropout', action='store_true', default=False,
                        help='both Dropouts with p=0')
    args = parser.parse_args(argv)
    use_cuda = not args.no_cuda and torch.cuda.is_available()

    torch.manual_seed(args.seed)

    device = torch.device("cuda" if use_cuda else "cpu")

    train_kwargs = {'batch_size': args.batch_size}
    test_kwargs = {'batch_size': args.test_batch_size}
    if use_cuda:
        cuda_kwargs = {'num_workers': 1,
                       'pin_memory': True,
                       'shuffle': True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)

    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,))
        ])
    dataset1 = datasets.MNIST(args.root, train=True, download=True,
                              transform=transform)
    dataset2 = datasets.MNIST(args.root, train=False,
                              transform=transform)
    if args.train_size is not None:
        dataset1 = torch.utils.data.Subset(dataset1, range(args.train_size))
    if args.test_size is not None:
        dataset2 = torch.utils.data.Subset(dataset2, range(args.test_size))
    train_loader = torch.utils.data.DataLoader(dataset1, **train_kwargs)
    test_loader = torch.utils.data.DataLoader(dataset2, **test_kwargs)

    model = Net(*((0.0, 0.0) if args.no_dropout else ())).to(device)
    if init_state is not None:
        model.load_state_dict(init_state)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    losses, evaluations = [], []
    for epoch in range(1, args.epochs + 1):
        losses += train(args, model, device, train_loader, optimizer, epoch)
        evaluations.append(test(model, device, test_loader))
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), "mnist_cnn.pt")
    return losses, evaluations, model


if __name__ == '__main__':
    main()
