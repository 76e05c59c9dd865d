"""What the seven scripts share: each experiment's data module, the models, the training loop, plots.

Importing a module here has no side effects; what must happen before Keras loads is done by the
call to `common.runtime.startup.prepare_backend()` at the top of each script.
"""
