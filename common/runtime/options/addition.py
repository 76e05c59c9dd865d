"""The mapping scripts' options (addition_mapping.py, addition_mlp.py), their checks and the memory
a run of them needs, side by side."""

from __future__ import annotations

import argparse

from common.runtime import cli, resources

LARGEST = 100
TERMS = 2
TWO_LAYER_UNITS = 6
"""`--two-layer`: the LSTM(6) -> LSTM(6) of the tutorial's text (`models.addition_lstm`)."""
MLP_UNITS = (4, 2, 1)
"""The tutorial's MLP, Dense(4) -> Dense(2) -> Dense(1) (`models.addition_mlp`)."""


def parse_lstm(script: str, description: str, argv: list[str] | None, epochs: int, examples: int,
               batch_size: int, units: int) -> argparse.Namespace:
    """addition_mapping.py's settings, the tutorial's as defaults; misuse ends the run with one line."""
    parser, group = _parser(script, description, epochs, examples, batch_size)
    group.add_argument("--units", type=cli.positive_int, default=units, help="LSTM units")
    group.add_argument("--two-layer", action="store_true",
                       help="LSTM(6) -> LSTM(6) -> Dense(1), as the tutorial's text describes")
    cli.add_decay_option(parser, "With --epochs 300 it is the documented fix (docs/addition_mapping.md)")
    args = _checked(parser, argv)
    args.memory = resources.require_fits(
        lstm_need(args.terms, args.examples, args.batch_size, args.epochs, args.units, args.two_layer),
        "--examples, --terms, --units and --batch-size")
    return args


def parse_mlp(script: str, description: str, argv: list[str] | None, epochs: int, examples: int,
              batch_size: int) -> argparse.Namespace:
    """addition_mlp.py's settings, the tutorial's as defaults; misuse ends the run with one line."""
    parser, _ = _parser(script, description, epochs, examples, batch_size)
    args = _checked(parser, argv)
    args.memory = resources.require_fits(mlp_need(args.terms, args.examples, args.batch_size, args.epochs),
                                         "--examples, --terms and --batch-size")
    return args


def _parser(script: str, description: str, epochs: int, examples: int,
            batch_size: int) -> tuple[cli.ArgumentParser, argparse._ArgumentGroup]:
    """The options both scripts share: the data's and the batch size."""
    parser = cli.make_parser(script, description, epochs=epochs)
    group = parser.add_argument_group("addition options")
    group.add_argument("--largest", type=cli.positive_int, default=LARGEST, help="largest operand")
    group.add_argument("--terms", type=cli.positive_int, default=TERMS, help="how many numbers are added")
    group.add_argument("--examples", type=cli.positive_int, default=examples,
                       help="fresh training examples per epoch, and evaluation examples")
    group.add_argument("--batch-size", type=cli.positive_int, default=batch_size, help="batch size")
    return parser, group


def _checked(parser: cli.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = cli.parse_args(parser, argv)
    if args.examples % args.batch_size:
        parser.error(f"--batch-size {args.batch_size} must divide --examples {args.examples}")
    return args


def lstm_layers(units: int, two_layer: bool) -> list[int]:
    """The units of each LSTM in `models.addition_lstm`'s model, first to last."""
    return [TWO_LAYER_UNITS, TWO_LAYER_UNITS] if two_layer else [units]


def _epoch_floats(terms: int, examples: int) -> int:
    """An epoch's examples: `terms` scaled operands and their scaled sum each."""
    return examples * (terms + 1)


def lstm_need(terms: int, examples: int, batch_size: int, epochs: int, units: int,
              two_layer: bool) -> resources.Need:
    """What a run of addition_mapping.py holds at once, at most (`resources.require_fits` checks it)."""
    stack = lstm_layers(units, two_layer)
    inputs = [1, *stack[:-1]]  # one operand per step into the first LSTM, the LSTM before into the next
    return resources.Need(
        array_floats=resources.stream_floats(_epoch_floats(terms, examples), epochs, examples // batch_size),
        parameters=sum(resources.lstm_parameters(u, i) for u, i in zip(stack, inputs))
        + resources.dense_parameters(1, stack[-1]),
        recurrent_floats=sum(resources.recurrent_floats(batch_size, terms, u) for u in stack),
    )


def mlp_need(terms: int, examples: int, batch_size: int, epochs: int) -> resources.Need:
    """What a run of addition_mlp.py holds at once, at most (`resources.require_fits` checks it)."""
    inputs = [terms, *MLP_UNITS[:-1]]
    return resources.Need(
        # The stream, the evaluation set, and its copy with the operands reversed.
        array_floats=resources.stream_floats(_epoch_floats(terms, examples), epochs, examples // batch_size)
        + examples * terms,
        parameters=sum(resources.dense_parameters(u, i) for u, i in zip(MLP_UNITS, inputs)),
    )
