"""An MLP with BatchNorm1d trained on MNIST, written the way tutorial notebooks write it.

The idioms are the ones students meet in course code: a torchvision dataset with
Compose([ToTensor(), Normalize(...)]), a shuffling DataLoader with a seeded Generator,
`super(Net, self).__init__()`, `images.reshape(-1, 28*28)`, `criterion(outputs, labels)`,
`optimizer.zero_grad(); loss.backward(); optimizer.step()`, a StepLR stepped per epoch,
`torch.max(outputs.data, 1)` for the predictions, and a checkpoint dict with the model,
optimizer, scheduler and generator states that a later run resumes from.

The block between the two `# ---` lines is the only text that differs from the PyTorch
version: tests/test_programs_mlp.py runs this file as it is, and again with `minigrad`
swapped for `torch` (and `minigrad.vision` for `torchvision`), and compares the losses.
Run it directly for the full-size tutorial: `python tests/programs/mlp_batchnorm_mnist.py`.
"""
# --- imports
import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad.utils.data import DataLoader, Subset
from minigrad.vision import datasets, transforms
# ---

import os

# Hyper-parameters
input_size = 784
hidden_size = 128
num_classes = 10
learning_rate = 0.01
momentum = 0.9


class Net(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.bn1 = nn.BatchNorm1d(hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size // 2)
        self.bn2 = nn.BatchNorm1d(hidden_size // 2)
        self.fc3 = nn.Linear(hidden_size // 2, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.fc1(x)))
        x = F.relu(self.bn2(self.fc2(x)))
        return self.fc3(x)


def get_loaders(root, batch_size, train_indices, test_indices, shuffle, seed):
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
    ])
    train_dataset = datasets.MNIST(root=root, train=True, transform=transform, download=True)
    test_dataset = datasets.MNIST(root=root, train=False, transform=transform)
    if train_indices is not None:
        train_dataset = Subset(train_dataset, train_indices)
    if test_indices is not None:
        test_dataset = Subset(test_dataset, test_indices)
    g = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_dataset, batch_size=batch_size, shuffle=shuffle, generator=g)
    test_loader = DataLoader(test_dataset, batch_size=1000, shuffle=False)
    return train_loader, test_loader, g


def train(model, train_loader, criterion, optimizer, epoch, log_interval=100):
    model.train()
    losses = []
    total_step = len(train_loader)
    for i, (images, labels) in enumerate(train_loader):
        images = images.reshape(-1, 28 * 28)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        losses.append(loss.item())
        if (i + 1) % log_interval == 0:
            print('Epoch [{}], Step [{}/{}], Loss: {:.4f}'.format(epoch, i + 1, total_step, loss.item()))
    return losses


def test(model, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in test_loader:
            images = images.reshape(-1, 28 * 28)
            outputs = model(images)
            test_loss += F.cross_entropy(outputs, labels, reduction='sum').item()
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print('Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
        test_loss / total, correct, total, 100. * correct / total))
    return test_loss / total, correct


def main(root='data', batch_size=64, num_epochs=3, train_indices=None, test_indices=None,
         shuffle=True, seed=1, checkpoint='mnist_mlp.pt', resume=False, init_state=None):
    """Train for num_epochs and return (training losses, [(test loss, correct) per epoch])."""
    torch.manual_seed(seed)
    train_loader, test_loader, g = get_loaders(root, batch_size, train_indices, test_indices, shuffle, seed)

    model = Net(input_size, hidden_size, num_classes)
    if init_state is not None:
        model.load_state_dict(init_state)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)

    start_epoch = 1
    if resume and os.path.exists(checkpoint):
        state = torch.load(checkpoint)
        model.load_state_dict(state['model_state_dict'])
        optimizer.load_state_dict(state['optimizer_state_dict'])
        scheduler.load_state_dict(state['scheduler_state_dict'])
        g.set_state(state['rng_state'])
        start_epoch = state['epoch'] + 1
        print('Resuming from epoch {} (loss {:.4f})'.format(state['epoch'], state['loss']))

    losses, evaluations = [], []
    for epoch in range(start_epoch, num_epochs + 1):
        losses += train(model, train_loader, criterion, optimizer, epoch)
        evaluations.append(test(model, test_loader))
        scheduler.step()
        torch.save({
            'epoch': epoch,
            'model_state_dict': model.state_dict(),
            'optimizer_state_dict': optimizer.state_dict(),
            'scheduler_state_dict': scheduler.state_dict(),
            'rng_state': g.get_state(),
            'loss': losses[-1],
        }, checkpoint)
    return losses, evaluations


if __name__ == '__main__':
    main()
