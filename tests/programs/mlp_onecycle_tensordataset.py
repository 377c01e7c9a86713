"""An MLP trained on MNIST tensors with AdamW and the 1cycle policy, written the way
notebook-style course code writes it: the dataset's `.data` and `.targets` turned into a
TensorDataset, `random_split` into train and validation by fractions, a shuffling
DataLoader, `nn.Sequential` with `Linear(bias=False)` before `BatchNorm1d`, OneCycleLR stepped
every batch, `clip_grad_norm_` between backward and step, and the best model by validation
loss saved and loaded back at the end.

As in mlp_batchnorm_mnist.py, the block between the `# ---` lines is all that differs from
the PyTorch version (tests/test_programs_mlp.py runs both).
"""
# --- imports
import minigrad as torch
from minigrad import nn, optim
from minigrad.nn import functional as F
from minigrad.utils.data import DataLoader, Subset, TensorDataset, random_split
from minigrad.vision import datasets
# ---


def get_data(root, n, split, seed):
    mnist = datasets.MNIST(root, train=True, download=True)
    x = mnist.data[:n].float().reshape(-1, 28 * 28) / 255.
    y = mnist.targets[:n]
    ds = TensorDataset(x, y)
    if split is None:
        return random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(seed))
    return Subset(ds, split[0]), Subset(ds, split[1])


def make_model(n_hidden=200):
    return nn.Sequential(
        nn.Linear(28 * 28, n_hidden, bias=False), nn.BatchNorm1d(n_hidden), nn.ReLU(),
        nn.Linear(n_hidden, n_hidden, bias=False), nn.BatchNorm1d(n_hidden), nn.ReLU(),
        nn.Linear(n_hidden, 10),
    )


@torch.no_grad()
def evaluate(model, dl):
    model.eval()
    total_loss, correct, count = 0., 0, 0
    for xb, yb in dl:
        logits = model(xb)
        total_loss += F.cross_entropy(logits, yb, reduction='sum').item()
        correct += (logits.argmax(1) == yb).sum().item()
        count += len(yb)
    return total_loss / count, correct / count


def main(root='data', n=10000, bs=64, epochs=4, max_lr=1e-2, seed=42, shuffle=True,
         split=None, init_state=None, best_path='best.pt'):
    """Returns (training losses, validation losses per epoch, best validation loss, its
    accuracy after reloading the best checkpoint, the split's indices)."""
    torch.manual_seed(seed)
    train_ds, valid_ds = get_data(root, n, split, seed)
    g = torch.Generator().manual_seed(seed)
    train_dl = DataLoader(train_ds, batch_size=bs, shuffle=shuffle, generator=g, drop_last=True)
    valid_dl = DataLoader(valid_ds, batch_size=bs * 2)

    model = make_model()
    if init_state is not None:
        model.load_state_dict(init_state)
    opt = optim.AdamW(model.parameters(), lr=max_lr / 25, weight_decay=1e-2)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=len(train_dl))

    losses, valid_losses, best = [], [], float('inf')
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        valid_loss, valid_acc = evaluate(model, valid_dl)
        valid_losses.append(valid_loss)
        print(f'epoch {epoch}: lr {sched.get_last_lr()[0]:.5f}, valid loss {valid_loss:.4f}, acc {valid_acc:.3f}')
        if valid_loss < best:
            best = valid_loss
            torch.save({'epoch': epoch, 'model': model.state_dict(), 'valid_loss': valid_loss}, best_path)

    checkpoint = torch.load(best_path)
    model.load_state_dict(checkpoint['model'])
    reloaded_loss, reloaded_acc = evaluate(model, valid_dl)
    return losses, valid_losses, reloaded_loss, reloaded_acc, (list(train_ds.indices), list(valid_ds.indices))


if __name__ == '__main__':
    main()
