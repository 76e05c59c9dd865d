"""Training curves as a picture a reader can look at (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common.training import History  # noqa: E402
from common.checks import MisuseError


def plot_history(history: History, path: Path, title: str) -> None:
    """Loss (and accuracy, when there is one) against epoch, written as PNG to `path`."""
    if not isinstance(history, History) or not history.loss:
        raise MisuseError("history must be a History with at least one epoch of loss")
    curves = history.as_dict()
    figure, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.6), squeeze=False)
    epochs = range(1, len(history.loss) + 1)
    for axis, (name, values) in zip(axes[0], curves.items()):
        axis.plot(epochs, values)
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.set_title(f"{title}: {name}")
        axis.grid(alpha=0.3)
        if name == "loss" and min(values) > 0:
            axis.set_yscale("log")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    plt.close(figure)
