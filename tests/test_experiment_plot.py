"""Figure 1 as drawn by minigrad.experiment.plot_figure1 (the numbers are tested in test_experiment)."""
import numpy as np
import pytest

from minigrad import experiment


@pytest.fixture
def figure():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    history = dict(steps=np.arange(0, 200, 20), test_acc=np.linspace(0.1, 0.95, 10),
                   sigmoid_input=np.sort(rng.standard_normal((10, 3)), axis=1))
    fig = experiment.plot_figure1({"plain": history, "bn": history})
    yield fig
    plt.close(fig)


def test_panels_b_and_c_list_each_kind_of_line_once(figure):
    """The 15th and 85th percentiles are drawn alike: two entries for them looked like one
    entry listed twice."""
    for ax in figure.axes[1:]:
        handles, labels = ax.get_legend_handles_labels()
        looks = [(h.get_color(), h.get_linewidth(), h.get_linestyle()) for h in handles]
        assert len(set(looks)) == len(looks), labels
        assert sorted(labels) == ["15th and 85th percentiles", "50th percentile"]
        assert len(ax.get_lines()) == 3                  # all three percentiles are still drawn
