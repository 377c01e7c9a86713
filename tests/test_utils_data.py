"""minigrad.utils.data (Dataset, TensorDataset, Subset, random_split, DataLoader, default_collate)
and minigrad.vision (MNIST, transforms), with PyTorch's batching and error messages."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import default_root, load_mnist
from minigrad.utils.data import (DataLoader, Dataset, RandomSampler, SequentialSampler, Subset,
                                 SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                                 default_collate, random_split)
from minigrad.vision import datasets, transforms


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return mg.tensor([float(i)]), i * i


def test_loader_batches_tensors_in_order_with_a_short_last_batch():
    batches = list(DataLoader(Squares(10), batch_size=4))
    assert [len(y) for _, y in batches] == [4, 4, 2] and len(DataLoader(Squares(10), batch_size=4)) == 3
    x, y = batches[0]
    assert isinstance(x, mg.Tensor) and x.shape == (4, 1) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 4, 9]
    assert len(list(DataLoader(Squares(10), batch_size=4, drop_last=True))) == 2
    assert len(DataLoader(Squares(10), batch_size=4, drop_last=True)) == 2


def test_default_batch_size_is_one_and_loader_keeps_its_dataset():
    ds = Squares(3)
    loader = DataLoader(ds)
    assert loader.dataset is ds and [y.tolist() for _, y in loader] == [[0], [1], [4]]


def test_shuffle_visits_every_sample_once_in_a_new_order_each_epoch():
    loader = DataLoader(TensorDataset(mg.arange(30)), batch_size=7, shuffle=True,
                        generator=mg.Generator().manual_seed(0))
    epochs = [np.concatenate([b.numpy() for (b,) in loader]) for _ in range(2)]
    assert all(sorted(e) == list(range(30)) for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[0], np.arange(30))


def test_sampler_gives_the_order():
    loader = DataLoader(TensorDataset(mg.arange(6)), batch_size=2, sampler=[5, 3, 1])
    assert [b.tolist() for (b,) in loader] == [[5, 3], [1]] and len(loader) == 2
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(range(3), sampler=[0], shuffle=True)


def test_the_loader_holds_the_sampler_that_gives_its_order():
    assert isinstance(DataLoader(range(4)).sampler, SequentialSampler)
    assert isinstance(DataLoader(range(4), shuffle=True).sampler, RandomSampler)


def test_subset_random_sampler_visits_its_indices_in_a_new_order_each_pass():
    sampler = SubsetRandomSampler([10, 20, 30, 40, 50], generator=mg.Generator().manual_seed(0))
    passes = [list(sampler) for _ in range(3)]
    assert all(sorted(p) == [10, 20, 30, 40, 50] for p in passes) and len({tuple(p) for p in passes}) > 1
    loader = DataLoader(list(range(100)), batch_size=2, sampler=sampler)
    assert len(loader) == 3 and sorted(sum((b.tolist() for b in loader), [])) == [10, 20, 30, 40, 50]


def test_random_sampler_with_replacement_and_num_samples():
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=1000))
    assert len(drawn) == 1000 and set(drawn) == set(range(5))
    three = list(RandomSampler(range(5), num_samples=3))
    assert len(three) == 3 == len(set(three)) and len(RandomSampler(range(5), num_samples=3)) == 3


def test_weighted_random_sampler_follows_the_weights():
    drawn = np.array(list(WeightedRandomSampler([1.0, 0.0, 3.0], num_samples=20000)))
    assert not np.any(drawn == 1) and np.mean(drawn == 2) == pytest.approx(0.75, abs=0.015)
    assert sorted(WeightedRandomSampler([1.0, 2.0, 3.0], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([1.0], 0)


def test_num_workers_is_accepted_and_loads_the_same_batches():
    a = [b.tolist() for b in DataLoader(list(range(9)), batch_size=4)]
    assert [b.tolist() for b in DataLoader(list(range(9)), batch_size=4, num_workers=4, pin_memory=True)] == a


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_batch_size_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        DataLoader(range(3), batch_size=bad)


def test_collate_of_numbers_strings_dicts_and_arrays():
    batch = default_collate([(np.zeros(2, np.float32), 1, 2.5, "a", True, {"k": 3})] * 3)
    arr, ints, floats, strings, bools, mapping = batch
    assert arr.shape == (3, 2) and arr.dtype == np.float32
    assert ints.dtype == np.int64 and floats.dtype == np.float64 and bools.dtype == np.bool_
    assert list(strings) == ["a", "a", "a"] and mapping["k"].tolist() == [3, 3, 3]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object()])


def test_collate_matches_torch():
    torch = pytest.importorskip("torch")
    samples = [(np.full(2, i, np.float32), i, float(i), {"k": i}) for i in range(3)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) and len(ours) == len(theirs)
    for a, b in zip(ours[:3], theirs[:3]):
        assert a.shape == tuple(b.shape) and a.dtype.name == str(b.dtype).split(".")[1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(ours[3]["k"].numpy(), theirs[3]["k"].numpy())


def test_tensor_dataset_and_subset():
    x, y = mg.randn(5, 2), mg.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5 and ds[2][1].item() == 2
    np.testing.assert_array_equal(ds[2][0].numpy(), x.numpy()[2])
    sub = Subset(ds, [4, 0])
    assert len(sub) == 2 and sub[0][1].item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(mg.zeros(3), mg.zeros(2))


@pytest.mark.parametrize("lengths, sizes", [([7, 3], [7, 3]), ([0.5, 0.5], [5, 5]),
                                            ([0.33, 0.33, 0.34], [4, 3, 3]), ([0.25, 0.75], [3, 7])])
def test_random_split_counts_and_fractions(lengths, sizes):
    parts = random_split(range(10), lengths, generator=mg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == sizes
    assert sorted(i for p in parts for i in p) == list(range(10))


def test_random_split_sizes_match_torch():
    torch = pytest.importorskip("torch")
    for lengths in ([0.33, 0.33, 0.34], [0.1, 0.2, 0.7], [0.25, 0.75], [3, 7]):
        ours = [len(p) for p in random_split(range(10), lengths)]
        assert ours == [len(p) for p in torch.utils.data.random_split(range(10), lengths)]


def test_random_split_refuses_lengths_that_do_not_add_up():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(range(10), [3, 3])


def test_base_dataset_says_what_to_define():
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


# ---- vision -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def test_split():
    return datasets.MNIST(default_root(), train=False)


def test_mnist_has_torchvisions_shape_and_the_readers_pixels(test_split):
    images, labels = load_mnist(train=False, flatten=False)
    assert len(test_split) == 10000
    assert test_split.data.shape == (10000, 28, 28) and test_split.data.dtype == np.uint8
    assert test_split.targets.dtype == np.int64 and test_split.targets.numpy().tolist() == labels.tolist()
    img, target = test_split[7]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and isinstance(target, int)
    np.testing.assert_array_equal(img / np.float32(255), images[7, 0])


def test_to_tensor_and_normalize(test_split):
    images, _ = load_mnist(train=False, flatten=False)
    to_tensor = transforms.ToTensor()
    x = to_tensor(test_split[3][0])
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x.numpy(), images[3])            # the same float32 division
    normalize = transforms.Normalize((0.1307,), (0.3081,))
    z = normalize(x)
    np.testing.assert_allclose(z.numpy(), (images[3] - 0.1307) / 0.3081, rtol=1e-6, atol=1e-6)
    rgb = to_tensor(np.zeros((4, 5, 3), np.uint8))
    assert rgb.shape == (3, 4, 5)
    with pytest.raises(TypeError, match="put ToTensor\\(\\) before Normalize"):
        normalize(test_split[3][0])
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(x)


def test_compose_transform_and_target_transform_feed_a_loader():
    ds = datasets.MNIST(default_root(), train=False,
                        transform=transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda t: t.flatten())]),
                        target_transform=lambda y: y % 2)
    x, y = next(iter(DataLoader(Subset(ds, range(8)), batch_size=8)))
    assert x.shape == (8, 784) and set(y.tolist()) <= {0, 1}
    assert "Compose(" in repr(ds.transform)


def test_transforms_match_torch_arithmetic():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    ours = transforms.Normalize((0.1307,), (0.3081,))(transforms.ToTensor()(img)).numpy()
    t = torch.from_numpy(img[None].copy()).to(torch.float32).div(255)          # what ToTensor does
    theirs = t.sub(torch.tensor([0.1307]).view(-1, 1, 1)).div(torch.tensor([0.3081]).view(-1, 1, 1))
    np.testing.assert_array_equal(ours, theirs.numpy())


def test_mnist_finds_torchvisions_layout_and_never_downloads(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (raw / name).write_bytes((default_root() / name).read_bytes())
    assert len(datasets.MNIST(tmp_path, train=False, download=True)) == 10000
    with pytest.raises(RuntimeError, match=r"download=True never goes online.*pass root="):
        datasets.MNIST(tmp_path, train=True, download=True)
    with pytest.raises(RuntimeError, match="Dataset not found: expected train-images-idx3-ubyte.gz"):
        datasets.MNIST(tmp_path / "elsewhere", train=True)
