"""Adding two numbers as a mapping, with an LSTM: the tutorial's beginner's mistake.

Two random integers in [1, 100], scaled by 1/200, go in one per time step; their scaled sum comes
out of an LSTM(10) -> Dense(1) regression. The tutorial's point: this is a mapping, not a sequence
problem (see addition_mlp.py), and an LSTM only approximates it. What the tutorial reported and
what this script measures: docs/addition_mapping.md.
"""

from __future__ import annotations

import random

from common import cli, data, encoding, experiment, models, reporting, resources, schedules, training

TUTORIAL_EXAMPLES = 100


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser("addition_mapping.py", __doc__.splitlines()[0], epochs=100)
    parser.add_argument("--largest", type=cli.positive_int, default=100, help="largest operand")
    parser.add_argument("--terms", type=cli.positive_int, default=2, help="how many numbers are added")
    parser.add_argument("--examples", type=cli.positive_int, default=TUTORIAL_EXAMPLES,
                        help="fresh training examples per epoch, and evaluation examples")
    parser.add_argument("--batch-size", type=cli.positive_int, default=1, help="batch size")
    parser.add_argument("--units", type=cli.positive_int, default=10, help="LSTM units")
    parser.add_argument("--two-layer", action="store_true",
                        help="LSTM(6) -> LSTM(6) -> Dense(1), as the tutorial's text describes")
    cli.add_decay_option(parser, "With --epochs 300 it is the documented fix (docs/addition_mapping.md)")
    args = cli.parse_args(parser, argv)
    if args.examples % args.batch_size:
        parser.error(f"--batch-size {args.batch_size} must divide --examples {args.examples}")
    layers = [(6, 1), (6, 6)] if args.two_layer else [(args.units, 1)]
    resources.require_fits(resources.Need(
        array_floats=resources.stream_floats(args.examples * (args.terms + 1), args.epochs,
                                             args.examples // args.batch_size),
        parameters=sum(resources.lstm_parameters(units, inputs) for units, inputs in layers) + args.units + 1,
        recurrent_floats=resources.recurrent_floats(args.batch_size, args.terms, args.units) * len(layers),
    ), "--examples, --terms, --units and --batch-size")

    # Data: each epoch draws fresh pairs, scaled to [0, 1], one number per time step.
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y = data.scaled_sum_pairs(args.examples, args.terms, args.largest, rng)
        return x.reshape(-1, args.terms, 1), y.reshape(-1, 1)

    # Model: LSTM(10) -> Dense(1), mean squared error, Adam (or the two-layer variant).
    def build():
        model = models.addition_lstm(args.terms, args.units, args.two_layer)
        if args.decay:
            schedules.decay_learning_rate(model, args.epochs * args.examples // args.batch_size)
        return model

    # Train: the tutorial's epochs of fresh examples, in batches of --batch-size.
    def train(model):
        return training.train(model, next_epoch, args.epochs, args.batch_size, progress=not args.quiet,
                              loop=args.loop)

    # Evaluate on fresh examples: predictions and targets back to integers.
    def evaluate(model):
        x, y = next_epoch()
        predicted = encoding.invert_scaled(training.predict(model, x, args.batch_size)[:, 0], args.terms,
                                           args.largest)
        expected = encoding.invert_scaled(y[:, 0], args.terms, args.largest)
        metrics = {
            "rmse": reporting.rmse(expected, predicted),
            "exact_match": reporting.exact_match(expected, predicted),
        }
        reporting.print_sums(expected, predicted, metrics)
        return metrics

    return experiment.run(args, "addition_mapping.py", build, train, evaluate)


if __name__ == "__main__":
    cli.run(main)
