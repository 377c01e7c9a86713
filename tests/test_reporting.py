"""minigrad.reporting: the summary's "ahead from" step and Figure 1 as plot_figure1 draws it
(the runs themselves are tested in test_experiment)."""
import numpy as np
import pytest

from minigrad import reporting


@pytest.fixture
def figure():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    history = dict(steps=np.arange(0, 200, 20), test_acc=np.linspace(0.1, 0.95, 10),
                   sigmoid_input=np.sort(rng.standard_normal((10, 3)), axis=1))
    fig = reporting.plot_figure1({"plain": history, "bn": history})
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


def test_bn_ahead_from_finds_the_last_overtaking():
    steps = np.array([0, 10, 20, 30, 40])
    histories = {"plain": {"steps": steps, "test_acc": np.array([.1, .5, .6, .7, .8])},
                 "bn": {"steps": steps, "test_acc": np.array([.1, .6, .5, .8, .9])}}
    assert reporting.bn_ahead_from(histories) == 30
    histories["bn"]["test_acc"][-1] = 0.7
    assert reporting.bn_ahead_from(histories) is None


def test_figure1_panel_a_shows_the_phase_at_chance():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    steps = np.arange(0, 1100, 100)
    plain = np.array([.1, .1, .1, .11, .5, .8, .9, .93, .95, .96, .97])
    histories = {key: {"steps": steps, "test_acc": acc, "sigmoid_input": np.zeros((len(steps), 3))}
                 for key, acc in (("plain", plain), ("bn", np.full(len(steps), 0.97)))}
    low, high = reporting.plot_figure1(histories).axes[0].get_ylim()
    assert low <= 0.05 and high >= 0.97          # chance (10%) and the end are both in view
