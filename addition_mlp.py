"""Adding two numbers as a mapping, with a small MLP: the tutorial's right tool for the job.

The same scaled pairs as addition_mapping.py, without a time axis, into Dense(4) -> Dense(2) ->
Dense(1), all linear: a sum is linear, so the model can be exact (the tutorial reports RMSE 0).
Its point, measured here: the order of the inputs does not matter, because this is a mapping,
not a sequence problem; the evaluation is repeated with the operands in reverse order.
"""

from __future__ import annotations

import random

from common import cli, data, encoding, experiment, models, reporting, resources, training

TUTORIAL_EXAMPLES = 100


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser("addition_mlp.py", __doc__.splitlines()[0], epochs=50)
    parser.add_argument("--largest", type=cli.positive_int, default=100, help="largest operand")
    parser.add_argument("--terms", type=cli.positive_int, default=2, help="how many numbers are added")
    parser.add_argument("--examples", type=cli.positive_int, default=TUTORIAL_EXAMPLES,
                        help="fresh training examples per epoch, and evaluation examples")
    parser.add_argument("--batch-size", type=cli.positive_int, default=2, help="batch size")
    args = cli.parse_args(parser, argv)
    if args.examples % args.batch_size:
        parser.error(f"--batch-size {args.batch_size} must divide --examples {args.examples}")
    resources.require_fits(resources.Need(
        array_floats=resources.stream_floats(args.examples * (args.terms + 1), args.epochs,
                                             args.examples // args.batch_size) + args.batch_size * args.terms,
        parameters=resources.dense_parameters(4, args.terms) + 4 * 2 + 2 + 2 + 1,
    ), "--examples, --terms and --batch-size")

    # Data: each epoch draws fresh pairs, scaled to [0, 1], as one vector of --terms inputs.
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y = data.scaled_sum_pairs(args.examples, args.terms, args.largest, rng)
        return x, y.reshape(-1, 1)

    # Model: Dense(4) -> Dense(2) -> Dense(1), mean squared error, Adam.
    def build():
        return models.addition_mlp(args.terms)

    # Train: the tutorial's epochs of fresh examples, in batches of --batch-size.
    def train(model):
        return training.train(model, next_epoch, args.epochs, args.batch_size, progress=not args.quiet,
                              loop=args.loop)

    # Evaluate on fresh examples, then on the same examples with the operands reversed.
    def evaluate(model):
        x, y = next_epoch()
        expected = encoding.invert_scaled(y[:, 0], args.terms, args.largest)
        predicted = encoding.invert_scaled(training.predict(model, x, args.batch_size)[:, 0], args.terms,
                                           args.largest)
        reordered = encoding.invert_scaled(training.predict(model, x[:, ::-1].copy(), args.batch_size)[:, 0],
                                           args.terms, args.largest)
        metrics = {
            "rmse": reporting.rmse(expected, predicted),
            "exact_match": reporting.exact_match(expected, predicted),
            "reversed_rmse": reporting.rmse(expected, reordered),
        }
        reporting.print_sums(expected, predicted, metrics)
        same = "unchanged" if metrics["reversed_rmse"] == metrics["rmse"] else "CHANGED"
        print(f"Operands in reverse order: RMSE {metrics['reversed_rmse']:f} ({same}); "
              f"{int((reordered != predicted).sum())} of {len(expected)} rounded answers differ")
        return metrics

    return experiment.run(args, "addition_mlp.py", build, train, evaluate)


if __name__ == "__main__":
    cli.run(main)
