"""Reporting and plotting for the experiments of experiment.py and lenet.py: progress lines
while a run trains, the summary table of two runs, and Figure 1 (a)-(c) of Ioffe & Szegedy.

    histories = experiment.compare(steps=5000, progress=reporting.progress_printer(10))
    print(reporting.summary_table(histories))
    reporting.plot_figure1(histories, "out/figure1.png")

Only NumPy is needed to import this module; plot_figure1 imports matplotlib when called.
"""
import math

import numpy as np

from .experiment import LABELS, PERCENTILES


def print_progress(info: dict) -> None:
    """A progress callback for train: print one line, e.g.

      with BN     step  2000/20000  loss 0.2135  test acc  94.31%  elapsed   4.1 s  left ~  37 s
    """
    loss = "  --  " if math.isnan(info["train_loss"]) else f"{info['train_loss']:.4f}"
    left = "" if math.isnan(info["eta"]) else f"  left ~{info['eta']:4.0f} s"
    width = len(str(info["steps"]))
    print(f"{info['label']:<11} step {info['step']:>{width}}/{info['steps']}  loss {loss}  "
          f"test acc {100 * info['test_acc']:6.2f}%  elapsed {info['elapsed']:5.1f} s{left}",
          flush=True)


def progress_printer(lines: int = 10):
    """A progress callback for train that prints about ``lines`` lines per run (with
    print_progress): at step 0 and whenever another 1/lines of the steps is done."""
    printed = {}

    def show(info):
        part = info["step"] * lines // info["steps"]
        if printed.get(info["label"]) != part:
            printed[info["label"]] = part
            print_progress(info)

    return show


def bn_ahead_from(histories: dict):
    """The first evaluated step from which the BN network's test accuracy is higher than
    the plain network's at every later evaluation too; None if it is not ahead at the end."""
    plain, bn = histories["plain"], histories["bn"]
    n = min(len(plain["steps"]), len(bn["steps"]))
    ahead = bn["test_acc"][:n] > plain["test_acc"][:n]
    if not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(bn["steps"][behind[-1] + 1 if len(behind) else 0])


def _table_steps(steps: np.ndarray) -> list:
    """A few evaluated steps for the summary table: near 2%, 10%, 25%, 50% of the run."""
    picks = []
    for fraction in (0.02, 0.1, 0.25, 0.5):
        step = int(steps[np.argmin(np.abs(steps - fraction * steps[-1]))])
        if 0 < step < steps[-1] and step not in picks:
            picks.append(step)
    return picks


def summary_table(histories: dict) -> str:
    """A plain-text table comparing the two runs of compare().

    Rows: test accuracy at a few steps and at the end (without BN, with BN, and BN minus
    plain in percentage points), training time per step, and from which step on the BN
    network was ahead at every evaluation.
    """
    plain, bn = histories["plain"], histories["bn"]
    steps = plain["steps"]
    rows = [f"{'':<24}{'without BN':>12}{'with BN':>12}{'difference':>13}"]

    def acc_row(name, i):
        a, b = plain["test_acc"][i], bn["test_acc"][i]
        rows.append(f"{name:<24}{100 * a:>11.2f}%{100 * b:>11.2f}%{100 * (b - a):>+10.2f} pp")

    for step in _table_steps(steps):
        acc_row(f"test acc, step {step}", int(np.flatnonzero(steps == step)[0]))
    acc_row(f"test acc, final ({steps[-1]})", -1)
    rows.append(f"{'ms per training step':<24}{plain['ms_per_step']:>12.2f}{bn['ms_per_step']:>12.2f}")
    for key in ("plain", "bn"):
        if histories[key]["diverged"]:
            rows.append(f"{LABELS[key]} diverged at step {histories[key]['diverged']}")
    first = bn_ahead_from(histories)
    if first is None:
        rows.append("with BN is NOT ahead at the last evaluation")
    else:
        later = int(np.count_nonzero(steps >= first))
        rows.append(f"with BN ahead at every evaluation from step {first} on "
                    f"({later} of {len(steps)} evaluations)")
    return "\n".join(rows)


def plot_figure1(histories: dict, path=None):
    """Draw Figure 1 (a)-(c) of the paper from the histories of compare().

    (a) test accuracy against training steps, both networks; (b, c) the 15th, 50th and 85th
    percentiles of the input to the followed sigmoid of the last hidden layer, without (b)
    and with (c) BN, on a shared vertical axis so their spreads can be compared.
    Saves a PNG to ``path`` (its folder is created) if given; returns the matplotlib Figure.
    matplotlib is imported here, so the rest of minigrad needs only NumPy.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    ax = axes[0]
    for key, style in (("plain", "--"), ("bn", "-")):
        h = histories[key]
        ax.plot(h["steps"], h["test_acc"], style, label=LABELS[key])
    # the whole range from 0: the plain network's first hundreds of steps at chance (10%,
    # one digit for every image) are the contrast the figure is about
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("test accuracy")
    ax.set_title("(a) test accuracy")
    ax.legend(loc="lower right")
    for ax, key, letter in ((axes[1], "plain", "b"), (axes[2], "bn", "c")):
        h = histories[key]
        for column, p in enumerate(PERCENTILES):
            # the 15th and 85th are drawn alike, so they share one legend entry
            label = {15: "15th and 85th percentiles", 50: "50th percentile"}.get(p, "_nolegend_")
            ax.plot(h["steps"], h["sigmoid_input"][:, column], color="C0" if key == "plain" else "C1",
                    lw=2.0 if p == 50 else 1.0, label=label)
        ax.set_title(f"({letter}) {LABELS[key]}: input of a last-layer sigmoid")
    axes[1].sharey(axes[2])
    low, high = axes[1].get_ylim()
    axes[1].set_ylim(low, high + 0.3 * (high - low))      # room for the legends above the lines
    axes[1].set_ylabel("sigmoid input (15th, 50th, 85th percentiles)")
    for ax in axes:
        ax.set_xlabel("training steps")
        ax.xaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.grid(alpha=0.3)
    for ax in axes[1:]:
        ax.legend(loc="upper center", ncol=2, fontsize="small")
    if path is not None:
        from pathlib import Path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig
