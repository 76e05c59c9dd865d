"""Where the tutorial binary adder's training time goes, and how close it comes to the CPU's peak.

Times, per batch of 128 on the default model (LSTM(256) over 16 steps): the compiled forward pass
alone (inference), and a whole training step (forward, backward, Adam); counts the model's FLOPs
analytically; and measures the dense matmul rate the Keras backend reaches on this machine, as the
achievable peak. Run alone for clean numbers, on either backend:
`KERAS_BACKEND=jax python3 benchmarks/binary_profile.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for common/
from common.runtime.startup import prepare_backend  # noqa: E402

prepare_backend()  # before Keras loads, as every script does

import keras  # noqa: E402

from common import backends, binary, models  # noqa: E402
from common.runtime.run import seed_everything  # noqa: E402

BATCH, STEPS, UNITS, BITS = 128, 16, 256, 8


def best_seconds(function, repeats: int = 30) -> float:
    """Median wall time of `function()` after two warm-up calls."""
    function(), function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def main() -> None:
    seed_everything(1)
    a, b = binary.all_operand_pairs(BITS)
    x, y = binary.tutorial_arrays(a[:BATCH * 8], b[:BATCH * 8], BITS)
    xb, yb = x[:BATCH], y[:BATCH]
    model = models.binary_adder(STEPS, BITS + 1, UNITS, 0.2)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # builds the optimizer

    forward = backends.current().compiled_inference(model)
    t_forward = best_seconds(lambda: forward(xb))
    t_step = best_seconds(lambda: model.train_on_batch(xb, yb))
    print(f"backend: {keras.backend.backend()}")

    lstm_flops = 2 * STEPS * 4 * UNITS * (1 + UNITS + 1)  # 4 gates: x, h and bias terms, multiply-add
    per_sample = 3 * lstm_flops  # backward is about twice the forward
    steps_per_epoch = 4**BITS // BATCH
    epoch_flops = per_sample * 4**BITS
    print(f"forward, batch {BATCH}: {t_forward * 1e3:.2f} ms; training step: {t_step * 1e3:.2f} ms "
          f"(forward {t_forward / t_step:.0%} of it)")
    print(f"predicted epoch: {t_step * steps_per_epoch:.1f} s ({steps_per_epoch} steps)")
    print(f"FLOPs: {lstm_flops / 1e6:.2f} M forward per sample, ~{epoch_flops / 1e12:.2f} T per epoch; "
          f"achieved {epoch_flops / (t_step * steps_per_epoch) / 1e9:.1f} GFLOP/s")

    n = 2048
    m1, m2 = keras.random.normal((n, n), seed=1), keras.random.normal((n, n), seed=2)
    t_matmul = best_seconds(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(m1, m2)), repeats=10)
    print(f"dense {n}x{n} matmul: {2 * n**3 / t_matmul / 1e9:.1f} GFLOP/s (achievable peak here)")
    small = keras.random.normal((BATCH, UNITS), seed=3), keras.random.normal((UNITS, 4 * UNITS), seed=4)
    t_small = best_seconds(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(*small)), repeats=200)
    print(f"one recurrent matmul {BATCH}x{UNITS} @ {UNITS}x{4 * UNITS}: {t_small * 1e6:.0f} us, "
          f"{2 * BATCH * UNITS * 4 * UNITS / t_small / 1e9:.1f} GFLOP/s (eager, per-op overhead included)")


if __name__ == "__main__":
    main()
