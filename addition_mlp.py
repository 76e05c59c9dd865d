"""Adding two numbers as a mapping, with a small MLP: the tutorial's right tool for the job.

The same scaled pairs as addition_mapping.py, without a time axis, into Dense(4) -> Dense(2) ->
Dense(1), all linear: a sum is linear, so the model can be exact (the tutorial reports RMSE 0).
Its point, measured here: the order of the inputs does not matter, because this is a mapping,
not a sequence problem; the evaluation is repeated with the operands in reverse order.
"""

from __future__ import annotations

import random
import time

from common import cli, data, encoding, models, reporting, session, training

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
    session.seed_everything(args.seed)
    rng = random.Random(args.seed)  # the data stream of the tutorial's seed(1), untouched by Keras

    def next_epoch():
        x, y = data.scaled_sum_pairs(args.examples, args.terms, args.largest, rng)
        return x, y.reshape(-1, 1)

    # Define and train the model (or load one).
    history, train_seconds = None, None
    if args.load:
        model = session.load_model(args.load)
    else:
        model = models.addition_mlp(args.terms)
        if not args.quiet:
            model.summary()
        started = time.perf_counter()
        history = training.train(model, next_epoch, args.epochs, args.batch_size,
                                 progress=not args.quiet, loop=args.loop)
        train_seconds = time.perf_counter() - started

    # Evaluate on fresh examples, then on the same examples with the operands reversed.
    x, y = next_epoch()
    expected = encoding.invert_scaled(y[:, 0], args.terms, args.largest)

    def predicted_sums(inputs):
        return encoding.invert_scaled(training.predict(model, inputs, args.batch_size)[:, 0],
                                      args.terms, args.largest)

    predicted = predicted_sums(x)
    reordered = predicted_sums(x[:, ::-1].copy())
    metrics = {
        "rmse": reporting.rmse(expected, predicted),
        "exact_match": reporting.exact_match(expected, predicted),
        "reversed_rmse": reporting.rmse(expected, reordered),
    }
    print("RMSE: %f" % metrics["rmse"])
    for row in reporting.first_rows([reporting.sum_row(e, p) for e, p in zip(expected, predicted)]):
        print(row)
    print(reporting.summary_line(metrics, len(expected)))
    same = "unchanged" if metrics["reversed_rmse"] == metrics["rmse"] else "CHANGED"
    print(f"Operands in reverse order: RMSE {metrics['reversed_rmse']:f} ({same}); "
          f"{int((reordered != predicted).sum())} of {len(expected)} rounded answers differ")
    if train_seconds is not None:
        print(f"Trained {args.epochs} epochs in {train_seconds:.1f} s")

    session.write_outputs(args, "addition_mlp.py", session.config_of(args), train_seconds,
                          metrics, history, model)
    return 0


if __name__ == "__main__":
    cli.run(main)
