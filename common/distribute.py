"""Which tf.distribute strategy a run trains under: the default one, or data-parallel replicas.

`MirroredStrategy` keeps one copy of the model per device and all-reduces the gradients: the same
update as one device on the whole batch. With no GPU it mirrors over the logical CPU devices, so
that it can be tried (and tested) on a CPU split with `tf.config.set_logical_device_configuration`.
"""

from __future__ import annotations

import tensorflow as tf

STRATEGIES = ("default", "mirrored")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """`default`: no distribution; `mirrored`: MirroredStrategy over every GPU, else every CPU device."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    raise ValueError(f"strategy must be one of {STRATEGIES}, got {name!r}")
