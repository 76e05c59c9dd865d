"""Pictures a reader can look at (matplotlib, no display needed): training curves, a memory kept
across a lag, an adder's accuracy against width; and a model's diagram (Keras's, with Graphviz)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Sequence

import keras
import numpy as np

from common.checks import MisuseError
from common.training import History

if TYPE_CHECKING:  # matplotlib is imported when the first picture is drawn (`_pyplot`)
    from matplotlib.figure import Figure


def _pyplot() -> ModuleType:
    """matplotlib's pyplot, drawing to files only, imported when the first picture is drawn: most
    runs draw none, and importing it costs a large part of a short run's start-up."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    return matplotlib.pyplot


def plot_history(history: History, path: Path, title: str) -> None:
    """Loss (and accuracy, when there is one) against epoch, written as PNG to `path`."""
    figure = history_figure(history, title)
    figure.savefig(path, format="png", dpi=100)
    _pyplot().close(figure)


def history_figure(history: History, title: str) -> Figure:
    """The figure `plot_history` writes: loss, and the accuracy under its `accuracy_label`, so that
    a per-character accuracy is not read as the share of answers right."""
    if not isinstance(history, History) or not history.loss:
        raise MisuseError("history must be a History with at least one epoch of loss")
    curves = history.as_dict()
    figure, axes = _pyplot().subplots(1, len(curves), figsize=(5 * len(curves), 3.6), squeeze=False)
    epochs = range(1, len(history.loss) + 1)
    for axis, (name, values) in zip(axes[0], curves.items()):
        label = history.accuracy_label if name == "accuracy" else name
        axis.plot(epochs, values)
        axis.set_xlabel("epoch")
        axis.set_ylabel(label)
        axis.set_title(f"{title}: {label}")
        axis.grid(alpha=0.3)
        if name == "loss" and min(values) > 0:
            axis.set_yscale("log")
    figure.tight_layout()
    return figure


def plot_cell_states(states: np.ndarray, units: Sequence[int], path: Path, title: str) -> None:
    """Memory units' cell states step by step for two sequences, and the gap between them.

    `states` is (2, steps, units). The left panel shows each chosen unit in one colour, sequence 1
    solid and sequence 2 dashed; the right panel their difference, which is what the last step has
    to read: a memory kept across the lag is a gap that stays open to the end.
    """
    states = np.asarray(states)
    if states.ndim != 3 or states.shape[0] != 2:
        raise MisuseError(f"states must have shape (2, steps, units), got {states.shape}")
    plt = _pyplot()
    figure, (cells, gaps) = plt.subplots(1, 2, figsize=(11, 3.8))
    steps = np.arange(1, states.shape[1] + 1)
    for colour, unit in enumerate(units):
        line, = cells.plot(steps, states[0, :, unit], color=f"C{colour % 10}", label=f"unit {unit}")
        cells.plot(steps, states[1, :, unit], color=line.get_color(), linestyle="--")
        gaps.plot(steps, states[0, :, unit] - states[1, :, unit], color=line.get_color())
    cells.set_title(f"{title}: cell state (solid: sequence 1, dashed: 2)")
    gaps.set_title("sequence 1 minus sequence 2")
    for axis in (cells, gaps):
        axis.set_xlabel("step")
        axis.grid(alpha=0.3)
    gaps.axhline(0, color="black", linewidth=0.8)
    cells.legend(fontsize="small", loc="best")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def plot_exact_by_width(curves: dict[str, dict[int, float]], path: Path, title: str) -> None:
    """Exact-match rate against operand width (log scale), one line per label (a seed, a model),
    one point per width measured."""
    if not curves or not all(curves.values()):
        raise MisuseError("curves must hold at least one curve, each with at least one width")
    plt = _pyplot()
    from matplotlib.ticker import ScalarFormatter

    figure, axis = plt.subplots(figsize=(7, 4))
    for label, rates in curves.items():
        widths = sorted(rates)
        axis.plot(widths, [rates[width] for width in widths], marker="o", label=label)
    every = sorted({width for rates in curves.values() for width in rates})
    axis.set_xscale("log", base=2)
    axis.set_xticks([2**k for k in range(every[0].bit_length() - 1, every[-1].bit_length())])
    axis.xaxis.set_major_formatter(ScalarFormatter())
    axis.set_ylim(-0.02, 1.02)
    axis.set_xlabel("operand width (bits)")
    axis.set_ylabel("exact-match rate")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", loc="best")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)


def draw_model(model: keras.Model, path: Path) -> None:
    """`plot_model(show_shapes=True)`, as the binary addition tutorial draws its model, or one line
    saying why not, and carry on.

    Asked without pydot or Graphviz, plot_model raises, or (when IPython is importable) prints its
    own notice and draws nothing; checking first keeps the message to one line either way.
    """
    missing = [name for name, found in (("pydot", importlib.util.find_spec("pydot")),
                                        ("Graphviz's dot", shutil.which("dot"))) if not found]
    if missing:
        print(f"No model diagram: {' and '.join(missing)} not installed (pip install pydot; install Graphviz)")
        return
    keras.utils.plot_model(model, to_file=path, show_shapes=True)
    print(f"Model diagram written to {path}")
