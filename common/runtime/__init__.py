"""The machinery a learner never needs to open: the command line and its checks, memory refusals,
seeding, `--load`/`--save`, outputs written all or nothing, signals, and the backend's start-up.

- `startup`: what happens before Keras loads (`prepare_backend()`, called at the top of a script);
- `run`: `with Run(script, args) as run:`, what every script does around its experiment;
- `cli`: the shared options, argument types, and the terminal's rules for misuse and signals;
- `options/`: each experiment's own options, their checks and its memory estimate, side by side;
- `resources`: memory estimates and refusals; `outputs`: files written all or nothing, `--load`;
- `interrupts`: SIGINT and SIGTERM as one exception, never lost, held back while outputs are placed;
  a second one ends the process at once.
"""
