"""minigrad.save / minigrad.load: .npz checkpoints that never unpickle and are never half-written."""
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F


def make_model():
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def trained_model(steps=5):
    model = make_model()
    opt = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = minigrad.randn(16, 6), minigrad.tensor(np.arange(16) % 3)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return model


class RunsCodeWhenUnpickled:
    """What a malicious checkpoint holds: unpickling it calls Path.touch(marker)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (pathlib.Path(self.marker),)


# ---- round trip -----------------------------------------------------------------------------

def test_round_trip_of_a_trained_model_gives_identical_outputs(tmp_path):
    model = trained_model()
    path = tmp_path / "model.npz"
    minigrad.save(model.state_dict(), path)

    minigrad.manual_seed(123)                       # a fresh model with other weights
    restored = make_model()
    restored.load_state_dict(minigrad.load(path))

    x = minigrad.randn(5, 6)
    for mode in ("eval", "train"):
        getattr(model, mode)(), getattr(restored, mode)()
        np.testing.assert_array_equal(restored(x)._data, model(x)._data)


def test_every_entry_keeps_its_name_order_dtype_shape_and_value(tmp_path):
    """Every entry, the BatchNorm's int64 num_batches_tracked among them."""
    state = trained_model().state_dict()
    minigrad.save(state, tmp_path / "model.npz")
    loaded = minigrad.load(tmp_path / "model.npz")
    assert list(loaded) == list(state)
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape, key
        np.testing.assert_array_equal(loaded[key], value)


def test_tensors_numbers_and_any_numeric_dtype_can_be_saved(tmp_path):
    state = {"t": minigrad.randn(2, 3), "n": 7, "flag": np.array([True, False]),
             "half": np.ones(2, np.float16), "u8": np.arange(3, dtype=np.uint8)}
    minigrad.save(state, tmp_path / "misc.npz")
    loaded = minigrad.load(tmp_path / "misc.npz")
    assert isinstance(loaded["t"], minigrad.Tensor) and loaded["t"].dtype == np.float32
    np.testing.assert_array_equal(loaded["t"], state["t"].numpy())
    assert loaded["n"] == 7 and type(loaded["n"]) is int           # a number comes back a number
    for key in ("flag", "half", "u8"):
        assert loaded[key].dtype == state[key].dtype


def test_empty_state_dict(tmp_path):
    minigrad.save({}, tmp_path / "empty.npz")
    assert minigrad.load(tmp_path / "empty.npz") == {}


def test_the_file_is_an_npz_that_numpy_reads_without_pickle(tmp_path):
    state = nn.Linear(3, 2).state_dict()
    minigrad.save(state, tmp_path / "linear.npz")
    with np.load(tmp_path / "linear.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == ["__structure__.json", "bias", "weight"]
        np.testing.assert_array_equal(npz["weight"], state["weight"])


def test_the_path_is_used_as_given(tmp_path):
    minigrad.save(nn.Linear(2, 2).state_dict(), str(tmp_path / "ckpt.pt"))
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    assert set(minigrad.load(str(tmp_path / "ckpt.pt"))) == {"weight", "bias"}


def test_saving_over_an_existing_checkpoint_replaces_it(tmp_path):
    path = tmp_path / "model.npz"
    minigrad.save({"w": np.zeros(3)}, path)
    minigrad.save({"w": np.ones(3)}, path)
    np.testing.assert_array_equal(minigrad.load(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["model.npz"]


# ---- never pickle -----------------------------------------------------------------------------

def test_load_refuses_an_object_array_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = RunsCodeWhenUnpickled(marker)
    np.savez(tmp_path / "evil.npz", weight=np.zeros(2), payload=evil)   # numpy pickles it
    with pytest.raises(ValueError, match="entry 'payload' is an object array.*unpickling can run "
                                         "arbitrary code: minigrad.load refuses it"):
        minigrad.load(tmp_path / "evil.npz")
    assert not marker.exists()


def test_load_refuses_a_pickle_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    with open(tmp_path / "model.pkl", "wb") as f:
        pickle.dump({"weight": RunsCodeWhenUnpickled(marker)}, f)
    with pytest.raises(ValueError, match="not a minigrad checkpoint.*A pickle .* is never loaded"):
        minigrad.load(tmp_path / "model.pkl")
    assert not marker.exists()


def test_load_refuses_a_zip_that_holds_something_else(tmp_path):
    with zipfile.ZipFile(tmp_path / "model.pt", "w") as archive:     # the layout of torch.save
        archive.writestr("archive/data.pkl", b"\x80\x04N.")
    with pytest.raises(ValueError, match="not a minigrad checkpoint: it holds 'archive/data.pkl'"):
        minigrad.load(tmp_path / "model.pt")


def test_load_of_a_truncated_file(tmp_path):
    minigrad.save(trained_model(steps=1).state_dict(), tmp_path / "model.npz")
    data = (tmp_path / "model.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a minigrad checkpoint"):
        minigrad.load(tmp_path / "cut.npz")


def test_save_of_the_model_instead_of_its_state_dict(tmp_path):
    with pytest.raises(TypeError, match=r"but the object is Linear: call "
                                        r"minigrad.save\(model.state_dict\(\), path\)"):
        minigrad.save(nn.Linear(2, 2), tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_object_arrays_modules_and_odd_keys(tmp_path):
    with pytest.raises(TypeError, match=r"entry \['w'\] has dtype object .* never pickled objects"):
        minigrad.save({"w": np.array([None])}, tmp_path / "a.npz")
    with pytest.raises(TypeError, match=r"entry \['ckpt'\]\['model'\] is Linear: call minigrad.save"):
        minigrad.save({"ckpt": {"model": nn.Linear(2, 2), "epoch": 3}}, tmp_path / "b.npz")
    with pytest.raises(TypeError, match=r"keys must be str or int, got 1.5 at entry \['a'\]"):
        minigrad.save({"a": {1.5: np.zeros(1)}}, tmp_path / "c.npz")
    with pytest.raises(TypeError, match=r"entry \['fn'\] is function; a checkpoint never pickles"):
        minigrad.save({"fn": lambda e: e}, tmp_path / "d.npz")
    assert os.listdir(tmp_path) == []


# ---- never half-written -------------------------------------------------------------------------

@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError])
def test_an_interrupted_save_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch, interruption):
    path = tmp_path / "model.npz"
    minigrad.save(trained_model(steps=1).state_dict(), path)
    before = path.read_bytes()

    real_write = np.lib.format.write_array
    calls = []

    def write_then_fail(f, array, **kwargs):    # Ctrl-C or a full disk, halfway through
        calls.append(1)
        if len(calls) == 3:
            f.write(b"\0" * 100)
            raise interruption("interrupted")
        real_write(f, array, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(interruption):
        minigrad.save(trained_model(steps=3).state_dict(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]         # no temporary file left behind


def test_save_into_a_missing_folder_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        minigrad.save({"w": np.zeros(1)}, tmp_path / "no" / "such" / "model.npz")
    assert os.listdir(tmp_path) == []


# ---- nested checkpoints: model, optimiser, scheduler, numbers and strings ------------------------

def test_a_training_checkpoint_round_trips_with_its_types(tmp_path):
    model = trained_model(steps=2)
    opt = minigrad.optim.Adam(model.parameters(), lr=0.01)
    sched = minigrad.optim.lr_scheduler.StepLR(opt, step_size=2)
    F.cross_entropy(model(minigrad.randn(4, 6)), minigrad.tensor([0, 1, 2, 0])).backward()
    opt.step()
    sched.step()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "epoch": 3, "loss": 0.25, "name": "mlp", "done": False, "note": None,
            "history": [1.0, 0.5], "shape": (2, 3), "rng": minigrad.get_rng_state()}
    minigrad.save(ckpt, tmp_path / "ckpt.pt")
    back = minigrad.load(tmp_path / "ckpt.pt")
    assert back.keys() == ckpt.keys()
    assert (back["epoch"], back["loss"], back["name"], back["done"], back["note"]) == (3, 0.25, "mlp", False, None)
    assert back["history"] == [1.0, 0.5] and back["shape"] == (2, 3)
    assert back["scheduler"] == sched.state_dict()
    assert isinstance(back["model"], type(ckpt["model"])) and list(back["model"]) == list(ckpt["model"])
    saved_state = back["optimizer"]["state"]
    assert set(saved_state) == set(opt.state_dict()["state"]) and all(isinstance(i, int) for i in saved_state)
    assert isinstance(saved_state[0]["exp_avg"], minigrad.Tensor)
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    np.testing.assert_array_equal(back["rng"], ckpt["rng"])

    opt2 = minigrad.optim.Adam(model.parameters(), lr=0.01)
    opt2.load_state_dict(back["optimizer"])
    np.testing.assert_array_equal(opt2.state_dict()["state"][0]["exp_avg"].numpy(),
                                  opt.state_dict()["state"][0]["exp_avg"].numpy())


def test_a_tensor_keeps_requires_grad_and_an_array_stays_an_array(tmp_path):
    obj = [minigrad.randn(2, requires_grad=True), np.arange(3), np.float32(1.5), minigrad.tensor([1, 2])]
    minigrad.save(obj, tmp_path / "list.pt")
    back = minigrad.load(tmp_path / "list.pt")
    assert isinstance(back, list) and back[0].requires_grad and not back[3].requires_grad
    assert type(back[1]) is np.ndarray and back[2] == np.float32(1.5) and back[2].dtype == np.float32


def test_keys_that_look_like_paths_do_not_collide(tmp_path):
    obj = {"a/b": np.zeros(1), "a": {"b": np.ones(1)}}
    minigrad.save(obj, tmp_path / "c.pt")
    back = minigrad.load(tmp_path / "c.pt")
    assert back["a/b"][0] == 0 and back["a"]["b"][0] == 1


def test_a_flat_checkpoint_of_before_still_loads(tmp_path):
    np.savez(tmp_path / "old.npz", **{"fc.weight": np.ones((2, 2)), "fc.bias": np.zeros(2)})
    back = minigrad.load(tmp_path / "old.npz")
    assert list(back) == ["fc.weight", "fc.bias"] and type(back["fc.bias"]) is np.ndarray


def test_a_damaged_structure_entry_is_reported(tmp_path):
    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__structure__.json", '{"dict": [["w", {"tensor": "missing.npy", "requires_grad": false}]], "ordered": false}')
    with pytest.raises(ValueError, match="does not match the arrays in the file"):
        minigrad.load(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__structure__.json", "{not json")
    with pytest.raises(ValueError, match="structure entry __structure__.json is damaged"):
        minigrad.load(path)
