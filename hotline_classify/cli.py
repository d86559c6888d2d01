"""The ``hotline-classify`` command: route texts, train a model, evaluate one."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .io import InputError, choose_text_columns, read_table, require_column, row_text

EXAMPLES = {
    "route": "example:\n  hotline-classify route '超市买的牛奶过期了，商家拒绝退款' '小区停水三天'",
    "train": (
        "example:\n  hotline-classify train --data orders.csv --text-column 标题 "
        "--text-column 内容 --label-column hotline --category-column category -o model.joblib"
    ),
    "evaluate": (
        "example:\n  hotline-classify evaluate --data ../shared/data/hotline/gold_dev.csv"
        "\n  hotline-classify evaluate --data test.csv --model model.joblib --json"
    ),
}


def _load_model(path: str | None):
    from .model import HotlineClassifier

    return HotlineClassifier.default() if path is None else HotlineClassifier.load(path)


def _format_route(route) -> str:
    terms = " ".join(f"{t}({w:+.2f})" for t, w in route.evidence[:3])
    flag = "\treview" if route.needs_review else ""
    flag += f"\tREDIRECT {route.redirect}" if route.redirect else ""
    return f"{route.hotline}\t{route.category or '-'}\t{route.confidence:.3f}{flag}\t{terms}"


def cmd_route(args) -> int:
    model = _load_model(args.model)
    for route in model.route_many(args.texts):
        print(
            json.dumps(route.to_dict(), ensure_ascii=False) if args.json else _format_route(route)
        )
    return 0


def _labelled(args, table):
    columns = choose_text_columns(table, args.text_column)
    require_column(table, args.label_column)
    if args.category_column:
        require_column(table, args.category_column)
    texts = [row_text(r, columns) for r in table.rows]
    for i, text in enumerate(texts):
        if not text.strip():
            raise InputError(f"{table.path}: row {i + 2}: empty text in {', '.join(columns)}")
    labels = [r[args.label_column] for r in table.rows]
    cats = [r[args.category_column] for r in table.rows] if args.category_column else None
    return texts, labels, cats


def cmd_train(args) -> int:
    from .model import HotlineClassifier

    table = read_table(args.data)
    texts, labels, cats = _labelled(args, table)
    try:
        model = HotlineClassifier(random_state=args.seed).fit(texts, labels, cats)
    except ValueError as e:
        raise InputError(f"{table.path}: {e}") from None
    model.save(args.output)
    print(
        f"trained on {len(texts)} rows from {table.path}; saved to {args.output}", file=sys.stderr
    )
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate_routes, format_report

    table = read_table(args.data)
    if args.category_column is None and "category" in table.columns:
        args.category_column = "category"
    texts, labels, cats = _labelled(args, table)
    slices = (
        [r[args.slice_column] for r in table.rows] if args.slice_column in table.columns else None
    )
    model = _load_model(args.model)
    report = evaluate_routes(model.route_many(texts), labels, cats, slices)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotline-classify",
        description="Route Chinese complaints to the 12345 or 12315 hotline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = add("route", "Route each text given on the command line.")
    p.add_argument("texts", nargs="+", metavar="TEXT")
    p.add_argument("--model", help="model file (default: the embedded default model)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_route)

    for name, help_ in (
        ("train", "Train a model on a labelled CSV and save it."),
        ("evaluate", "Score a model on a labelled CSV, overall and per slice."),
    ):
        p = add(name, help_)
        p.add_argument("--data", required=True, help="labelled CSV file")
        p.add_argument(
            "--text-column",
            action="append",
            metavar="C",
            help="text column; repeat to join several in order (default: title + text)",
        )
        p.add_argument(
            "--label-column",
            default="hotline",
            metavar="L",
            help="hotline column (default: hotline)",
        )
        p.add_argument(
            "--category-column",
            metavar="K",
            help="category column (optional; evaluate uses 'category' if present)",
        )
        if name == "train":
            p.add_argument("-o", "--output", required=True, help="where to write the model")
            p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
            p.set_defaults(func=cmd_train)
        else:
            p.add_argument("--model", help="model file (default: the embedded default model)")
            p.add_argument(
                "--slice-column",
                default="slice",
                help="score each value of this column too, if present (default: slice)",
            )
            p.add_argument("--json", action="store_true", help="print the report as JSON")
            p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 bad input, 1 unexpected)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (InputError, FileNotFoundError) as e:
        print(f"hotline-classify: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
