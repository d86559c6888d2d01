"""The ``hotline-classify`` command: route texts, train a model, evaluate one."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from .io import InputError, route_file
from .labelled import check_trainable, label_conflicts, read_labelled, validation_split

EXAMPLES = {
    "route": (
        "examples:\n  hotline-classify route '超市买的牛奶过期了，商家拒绝退款' '小区停水三天'"
        "\n  hotline-classify route --input orders.xlsx --output routed.csv"
        " --text-column 标题 --text-column 内容 --id-column 工单号"
        "\n\nreads CSV, TSV, JSONL, XLSX (UTF-8, UTF-8 with BOM or GB18030/GBK, detected);"
        "\nwrites CSV (UTF-8 with BOM) or JSONL by the output's extension: every input row,"
        "\nin order, plus hotline, category, confidence, evidence, needs_review, error, note."
        "\nexit codes: 0 done, 2 bad usage or bad input, 1 unexpected error"
    ),
    "train": (
        "examples:\n  hotline-classify train --recipe real -o real.model\n"
        "  hotline-classify train --data orders.csv --text-column 标题 "
        "--text-column 内容 --label-column hotline --category-column category -o model.joblib"
        "\n\nhotline labels: 12345 or 12315; also accepted: integers, 12345热线, "
        "政务服务便民热线, 12315热线, 市场监管"
    ),
    "evaluate": (
        "example:\n  hotline-classify evaluate --data ../shared/data/hotline/gold_dev.csv"
        "\n  hotline-classify evaluate --data test.xlsx --model model.joblib --json"
    ),
}


def _load_model(path: str | None):
    from .model import HotlineClassifier

    if path is None:
        return HotlineClassifier.default()
    try:
        return HotlineClassifier.load(path)
    except ValueError as e:
        raise InputError(str(e)) from None


def _format_route(route) -> str:
    terms = " ".join(f"{t}({w:+.2f})" for t, w in route.evidence[:3])
    flag = "\treview" if route.needs_review else ""
    flag += f"\tREDIRECT {route.redirect}" if route.redirect else ""
    return f"{route.hotline}\t{route.category or '-'}\t{route.confidence:.3f}{flag}\t{terms}"


def cmd_route(args) -> int:
    if bool(args.texts) == bool(args.input):
        raise InputError("give either texts to route or --input FILE, not both or neither")
    if bool(args.input) != bool(args.output):
        raise InputError("--input and --output go together")
    if args.input:
        summary = route_file(
            args.input,
            args.output,
            None if args.model is None else _load_model(args.model),
            text_columns=args.text_column,
            id_column=args.id_column,
            encoding=args.encoding,
            progress=not args.quiet,
            n_jobs=args.jobs,
        )
        if not args.quiet:
            _print_summary(summary)
        return 0
    model = _load_model(args.model)
    try:
        routes = model.route_many(args.texts)
    except ValueError as e:  # a text that is empty once cleaned, named by its index
        raise InputError(f"the texts given: {e}") from None
    for route in routes:
        print(
            json.dumps(route.to_dict(), ensure_ascii=False) if args.json else _format_route(route)
        )
    return 0


def _print_summary(summary) -> None:
    print(
        f"{summary.rows} rows written to {summary.output}: {summary.routed} routed "
        f"({summary.needs_review} need review, {summary.cut} cut to the length limit), "
        f"{summary.errors} with an error instead of a route",
        file=sys.stderr,
    )
    for line in summary.first_errors:
        print(f"  {line}", file=sys.stderr)


def _read_labelled(args):
    data = read_labelled(
        args.data,
        text_columns=args.text_column,
        label_column=args.label_column,
        category_column=args.category_column,
        id_column=args.id_column,
        slice_column=getattr(args, "slice_column", None),
        encoding=args.encoding,
    )
    for warning in label_conflicts(data):
        print(f"hotline-classify: warning: {warning}", file=sys.stderr)
    return data


def _fit(args, data):
    from .model import HotlineClassifier

    try:
        return HotlineClassifier(random_state=args.seed).fit(
            data.texts, data.hotlines, data.categories
        )
    except ValueError as e:
        raise InputError(f"{data.path}: {e}") from None


def cmd_train(args) -> int:
    from .evaluate import evaluate_routes, format_report

    if (args.recipe is None) == (args.data is None):
        raise InputError("train needs either --data FILE or --recipe real")
    if not Path(args.output).parent.is_dir():
        raise InputError(f"{args.output}: the folder {Path(args.output).parent} does not exist")
    if args.data is not None and Path(args.output).resolve() == Path(args.data).resolve():
        raise InputError(f"{args.output}: the model would overwrite the training data")
    if args.recipe == "real":
        from .recipes import train_real

        model, report = train_real(random_state=args.seed)
        model.save(args.output)
        print("validation on gold_dev.csv (never used in training):")
        print(format_report(report))
        print(f"saved to {args.output}", file=sys.stderr)
        return 0
    data = _read_labelled(args)
    check_trainable(data)
    if args.validation_size > 0:
        train_idx, held_idx = validation_split(data, args.validation_size, args.seed)
        held = data.subset(held_idx)
        model = _fit(args, data.subset(train_idx))
        report = evaluate_routes(model.route_many(held.texts), held.hotlines, held.categories)
        print(
            f"validation: trained on {len(train_idx)} rows, scored on {len(held)} held out "
            f"(stratified, seed {args.seed})"
        )
        print(format_report(report))
    model = _fit(args, data)
    model.save(args.output)
    print(
        f"trained on all {len(data)} rows of {data.path}; saved to {args.output}", file=sys.stderr
    )
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate_routes, format_report
    from .io import open_table

    if args.category_column is None or args.slice_column is None:
        with open_table(args.data, args.encoding) as table:
            present = table.columns
        if args.category_column is None and "category" in present:
            args.category_column = "category"
        if args.slice_column is None and "slice" in present:
            args.slice_column = "slice"
    data = _read_labelled(args)
    model = _load_model(args.model)
    report = evaluate_routes(
        model.route_many(data.texts), data.hotlines, data.categories, data.slices
    )
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

    p = add("route", "Route texts given on the command line, or every row of a file.")
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts to route")
    p.add_argument("--input", metavar="FILE", help="CSV, TSV, JSONL or XLSX file to route")
    p.add_argument("--output", metavar="FILE", help="where to write the routed rows (.csv/.jsonl)")
    _add_table_options(p)
    p.add_argument("--id-column", metavar="C", help="row id column, named in error messages")
    p.add_argument("--model", help="model file (default: the embedded default model)")
    p.add_argument("--json", action="store_true", help="texts: one JSON object per line")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="--input: route in N processes (-1: one per core), 20,000 rows at a time",
    )
    p.set_defaults(func=cmd_route)

    for name, help_ in (
        ("train", "Train a model on a labelled file, report on a held-out split, save it."),
        ("evaluate", "Score a model on a labelled file, overall and per slice."),
    ):
        p = add(name, help_)
        p.add_argument(
            "--data", required=name == "evaluate", help="labelled CSV, TSV, JSONL or XLSX file"
        )
        _add_table_options(p)
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
        p.add_argument("--id-column", metavar="C", help="row id column; duplicate ids are refused")
        if name == "train":
            p.add_argument("-o", "--output", required=True, help="where to write the model")
            p.add_argument(
                "--recipe",
                choices=["real"],
                help="build the recommended real-data model from data/ plus the shared real "
                "data ($HOTLINE_DATA_DIR or ../shared/data/hotline) instead of --data",
            )
            p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
            p.add_argument(
                "--validation-size",
                type=float,
                default=0.2,
                metavar="F",
                help="share of rows held out (stratified) to train on the rest and report on, "
                "before the model saved is trained on all rows; 0 skips it (default: 0.2)",
            )
            p.set_defaults(func=cmd_train)
        else:
            p.add_argument("--model", help="model file (default: the embedded default model)")
            p.add_argument(
                "--slice-column",
                help="score each value of this column too (default: slice, if present)",
            )
            p.add_argument("--json", action="store_true", help="print the report as JSON")
            p.set_defaults(func=cmd_evaluate)
    return parser


def _add_table_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--text-column",
        action="append",
        metavar="C",
        help="text column; repeat to join several in order, e.g. title then body "
        "(default: text, content, 内容, 诉求内容, ... after a title column if present)",
    )
    p.add_argument(
        "--encoding",
        help="text encoding of the input (default: detect UTF-8, UTF-8 with BOM, GB18030)",
    )


def _jobs(value: str) -> int:
    n = int(value)
    if n == 0:
        raise argparse.ArgumentTypeError("0 processes: give a number of processes, or -1")
    return n


@contextmanager
def _signals_stop_cleanly():
    """Turn SIGTERM and SIGHUP (``kill``, ``timeout``, a closed terminal, a stopped
    container) into :class:`SystemExit` for the time of a command, so that what a command
    is writing is removed as it is on an error, not left half-written."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return
    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {}

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        for signum in wanted:
            previous[signum] = signal.signal(signum, stop)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 bad input, 1 unexpected)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _signals_stop_cleanly():
            return args.func(args)
    except (InputError, FileNotFoundError) as e:
        print(f"hotline-classify: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hotline-classify: interrupted", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        print("hotline-classify: unexpected error (see above)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
