"""PyTorch side of `npm run bench`: trains the reference model (model.py) on fixed random data and times it, then
times greedy and beam-5 decoding, once per thread count, each in a fresh process (OpenBLAS reads its thread count
when it loads). Prints progress on stderr and one JSON object on the last line of stdout:

    {"torch", "blas", "python", "parameters", "loadAverage", "config", "threads": {"1": figures, "2": figures},
     "best": figures}

where figures = {"threads", "msPerStep", "tokensPerSecond", "greedySentencesPerSecond", "beamSentencesPerSecond",
...} and "best" is the thread count with the fastest training step.
If torch cannot be imported it prints {"error": "torch-missing", "python": ..., "message": ...} and exits with 3.

Usage: python3 bench/pytorch/bench.py [--steps 30] [--warmup 5] [--threads 1,2] [--count-parameters]
Run it with Debian's /usr/bin/python3 (python3-torch, 1.13) and libopenblas0-pthread installed.
"""

import argparse
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import time

# Keep the checkout clean: no __pycache__ beside the scripts.
sys.dont_write_bytecode = True

TORCH_MISSING_EXIT = 3
SOS_ID = 2
EOS_ID = 3
FIRST_WORD_ID = 4  # ids 0-3 are <pad> <unk> <sos> <eos>


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the reference GRU + Bahdanau model in PyTorch.")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps (median reported)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts to measure")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--source-length", type=int, default=10)
    parser.add_argument("--target-length", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--clip-norm", type=float, default=1.0)
    parser.add_argument("--decode-sentences", type=int, default=256)
    parser.add_argument("--decode-repeats", type=int, default=5, help="timed decoding passes (median reported)")
    parser.add_argument("--decode-chunk", type=int, default=128, help="rows decoded together (mtlab's default)")
    parser.add_argument("--max-output-length", type=int, default=20)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--length-penalty", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count-parameters", action="store_true", help="print {'parameters': n} and stop")
    parser.add_argument(
        "--batches",
        default=None,
        help="train on these padded batches (JSON from bench/real-data.ts) instead of the reference batch; no decoding",
    )
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def emit(result: dict) -> None:
    print(json.dumps(result), flush=True)


def log(message: str) -> None:
    print(f"pytorch: {message}", file=sys.stderr, flush=True)


def torch_missing() -> None:
    emit(
        {
            "error": "torch-missing",
            "python": sys.executable,
            "pythonVersion": sys.version.split()[0],
            "message": f"{sys.executable} cannot import torch",
        }
    )
    sys.exit(TORCH_MISSING_EXIT)


def blas_library() -> dict:
    """Which BLAS this process really loaded (Debian picks libblas.so.3 through alternatives, so
    torch.__config__ says only 'generic'): read the mapped libraries."""
    paths: list[str] = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                parts = line.split()
                if len(parts) >= 6 and ("blas" in parts[-1] or "blis" in parts[-1] or "mkl" in parts[-1]):
                    if parts[-1] not in paths:
                        paths.append(parts[-1])
    except OSError:
        pass
    joined = " ".join(paths)
    if "openblas" in joined:
        variant = next((v for v in ("pthread", "openmp", "serial") if f"openblas-{v}" in joined), "")
        version = next((p.split("-r")[-1].removesuffix(".so") for p in paths if "libopenblas" in p and "-r" in p), "")
        name = "OpenBLAS" + (f" {version}" if version else "") + (f" ({variant})" if variant else "")
    elif "mkl" in joined:
        name = "MKL"
    elif "blis" in joined:
        name = "BLIS"
    elif "/blas/libblas" in joined:
        name = "reference BLAS"
    else:
        name = "unknown"
    return {"name": name, "libraries": paths, "core": openblas_core(paths)}


# OpenBLAS cores (openblas_get_corename) with AVX-512 kernels; any other core leaves an AVX-512 CPU's widest units idle.
AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}


def openblas_core(paths: list[str]):
    """The kernel set OpenBLAS picked for this CPU (e.g. 'Haswell'), or None where it is not OpenBLAS."""
    import ctypes

    for path in paths:
        if "openblas" not in path:
            continue
        try:
            corename = ctypes.CDLL(path).openblas_get_corename
            corename.restype = ctypes.c_char_p
            return corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def cpu_vector_isa() -> str:
    """The widest x86 vector extension the CPU has: 'avx512', 'avx2' or 'other'."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return "avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "other"
    except OSError:
        pass
    return "other"


def blas_note(blas: dict):
    """A note when OpenBLAS runs kernels older than the CPU supports (Debian's 0.3.21 picks Haswell on AVX-512)."""
    core = blas.get("core")
    if core and cpu_vector_isa() == "avx512" and core.lower() not in AVX512_CORES:
        return f"{blas['name']} runs its {core} kernels on this AVX-512 CPU (this build does not pick its AVX-512 kernels for it)"
    return None


def random_tokens(torch, generator, rows: int, columns: int, vocab: int):
    return torch.randint(FIRST_WORD_ID, vocab, (rows, columns), generator=generator)


def median_ms(durations: list[float]) -> float:
    return statistics.median(durations) * 1000


def end_with_parent() -> None:
    """Ask Linux to stop this worker when the process that started it ends (a timeout or Ctrl-C there)."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def run_worker(args: argparse.Namespace) -> None:
    end_with_parent()
    try:
        import torch
    except ImportError:
        torch_missing()
    from torch import nn

    from model import ModelConfig, Seq2Seq, parameter_count
    from search import beam_search, greedy_search

    threads = args.worker
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)
    if args.batches is not None:
        run_batches_worker(args, threads)
        return
    config = ModelConfig()
    model = Seq2Seq(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    parameters = list(model.parameters())

    # Fixed random data, built like engine/data/batch.ts: targetIn = <sos> y, targetOut = y <eos>.
    generator = torch.Generator().manual_seed(args.seed)
    source = random_tokens(torch, generator, args.batch, args.source_length, config.source_vocab)
    words = random_tokens(torch, generator, args.batch, args.target_length - 1, config.target_vocab)
    target_in = torch.cat([torch.full((args.batch, 1), SOS_ID), words], dim=1)
    target_out = torch.cat([words, torch.full((args.batch, 1), EOS_ID)], dim=1)

    def train_step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(source, target_in, target_out)
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, args.clip_norm)
        optimizer.step()
        return loss.item()

    model.train()
    losses = [train_step() for _ in range(args.warmup)]
    durations: list[float] = []
    for _ in range(args.steps):
        started = time.perf_counter()
        losses.append(train_step())
        durations.append(time.perf_counter() - started)
    ms_per_step = median_ms(durations)
    tokens_per_step = args.batch * args.target_length
    log(f"{threads} thread(s): {ms_per_step:.1f} ms/step, {tokens_per_step * 1000 / ms_per_step:.0f} tokens/s")

    # Decoding: random sentences of source-length words plus <eos>, as mtlab's sourceBatch builds them.
    model.eval()
    words = random_tokens(torch, generator, args.decode_sentences, args.source_length, config.source_vocab)
    sentences = torch.cat([words, torch.full((args.decode_sentences, 1), EOS_ID)], dim=1)

    def time_decoding(decode) -> float:
        decode(sentences[: max(1, args.decode_chunk // max(1, args.beam_size))])  # warm-up
        passes = []
        for _ in range(max(1, args.decode_repeats)):
            started = time.perf_counter()
            decode(sentences)
            passes.append(time.perf_counter() - started)
        return median_ms(passes)

    greedy_ms = time_decoding(lambda s: greedy_search(model, s, args.max_output_length, args.decode_chunk))
    beam_ms = time_decoding(
        lambda s: beam_search(
            model, s, args.max_output_length, args.beam_size, args.length_penalty, args.decode_chunk
        )
    )
    greedy_rate = args.decode_sentences * 1000 / greedy_ms
    beam_rate = args.decode_sentences * 1000 / beam_ms
    log(f"{threads} thread(s): greedy {greedy_rate:.0f} sentences/s, beam-{args.beam_size} {beam_rate:.1f} sentences/s")

    emit(
        {
            "torch": torch.__version__,
            "blas": blas_library(),
            "parameters": parameter_count(model),
            "figures": {
                "threads": threads,
                "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "default"),
                "msPerStep": ms_per_step,
                "tokensPerSecond": tokens_per_step * 1000 / ms_per_step,
                "greedySentencesPerSecond": greedy_rate,
                "beamSentencesPerSecond": beam_rate,
                "stepMs": {"min": min(durations) * 1000, "median": ms_per_step, "max": max(durations) * 1000},
                "greedyMs": greedy_ms,
                "beamMs": beam_ms,
                "loss": {"first": losses[0], "last": losses[-1]},
            },
        }
    )


def batches_config(path: str) -> tuple[dict, object]:
    from model import ModelConfig

    with open(path, encoding="utf-8") as file:
        spec = json.load(file)
    config = ModelConfig(
        source_vocab=spec["sourceVocab"],
        target_vocab=spec["targetVocab"],
        embedding_size=spec["embedding"],
        hidden_size=spec["hidden"],
        attention_size=spec["hidden"],
    )
    return spec, config


def run_batches_worker(args: argparse.Namespace, threads: int) -> None:
    """The real-data case: cycle through the given padded batches, timing whole passes (their lengths differ)."""
    import resource

    import torch
    from torch import nn

    from model import Seq2Seq, parameter_count

    spec, config = batches_config(args.batches)
    batches = [
        (
            torch.tensor(b["source"], dtype=torch.long),
            torch.tensor(b["sourceLengths"], dtype=torch.long),
            torch.tensor(b["targetIn"], dtype=torch.long),
            torch.tensor(b["targetOut"], dtype=torch.long),
        )
        for b in spec["batches"]
    ]
    model = Seq2Seq(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    parameters = list(model.parameters())

    def train_step(batch) -> float:
        source, lengths, target_in, target_out = batch
        optimizer.zero_grad(set_to_none=True)
        loss = model.padded_loss(source, lengths, target_in, target_out)
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, args.clip_norm)
        optimizer.step()
        return loss.item()

    model.train()
    losses = [train_step(batches[i % len(batches)]) for i in range(args.warmup)]
    tokens = 0
    started = time.perf_counter()
    for i in range(args.steps):
        batch = batches[i % len(batches)]
        losses.append(train_step(batch))
        tokens += int((batch[3] != 0).sum())
    seconds = time.perf_counter() - started
    ms_per_step = seconds * 1000 / max(1, args.steps)
    log(f"{threads} thread(s), real data: {ms_per_step:.1f} ms/step, {tokens / seconds:.0f} tokens/s")
    emit(
        {
            "torch": torch.__version__,
            "blas": blas_library(),
            "parameters": parameter_count(model),
            "figures": {
                "threads": threads,
                "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "default"),
                "msPerStep": ms_per_step,
                "tokensPerSecond": tokens / seconds,
                # No decoding in this mode.
                "greedySentencesPerSecond": 0,
                "beamSentencesPerSecond": 0,
                "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "loss": {"first": losses[0], "last": losses[-1]},
            },
        }
    )


def count_parameters(args: argparse.Namespace) -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        torch_missing()
    from model import ModelConfig, Seq2Seq, parameter_count

    config = ModelConfig() if args.batches is None else batches_config(args.batches)[1]
    emit({"parameters": parameter_count(Seq2Seq(config))})


def run_all(args: argparse.Namespace) -> None:
    thread_counts = [int(t) for t in args.threads.split(",") if t.strip()]
    if not thread_counts or min(thread_counts) < 1:
        sys.exit(f"--threads must list positive thread counts, got {args.threads!r}")
    worker_args = [a for a in sys.argv[1:] if a != "--count-parameters"]
    load_before = os.getloadavg()[0]
    runs: dict[str, dict] = {}
    first: dict = {}
    for threads in thread_counts:
        count = str(threads)
        # Every threading layer reads its size from the environment when it starts: set them all. OpenMP threads
        # that spin while idle fight OpenBLAS's own threads for the cores (and any other busy process): with two
        # threads on two cores that made steps up to 20x slower here, so idle threads sleep unless the caller says.
        env = {**os.environ, "OMP_NUM_THREADS": count, "OPENBLAS_NUM_THREADS": count, "MKL_NUM_THREADS": count}
        if threads > 1:
            env["OMP_WAIT_POLICY"] = os.environ.get("OMP_WAIT_POLICY", "PASSIVE")
        process = subprocess.run(
            [sys.executable, os.path.abspath(__file__), *worker_args, "--worker", count],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        last_line = process.stdout.strip().splitlines()[-1] if process.stdout.strip() else ""
        if process.returncode == TORCH_MISSING_EXIT:
            print(last_line, flush=True)
            sys.exit(TORCH_MISSING_EXIT)
        if process.returncode != 0 or not last_line:
            sys.exit(f"the {threads}-thread run failed (exit code {process.returncode})")
        result = json.loads(last_line)
        first = first or result
        runs[count] = result["figures"]
    best = min(runs.values(), key=lambda figures: figures["msPerStep"])
    emit(
        {
            "torch": first["torch"],
            "blas": first["blas"]["name"],
            "blasLibraries": first["blas"]["libraries"],
            "blasCore": first["blas"].get("core"),
            "blasNote": blas_note(first["blas"]),
            "python": sys.executable,
            "parameters": first["parameters"],
            # Other busy processes slow every figure (1-minute load average; this machine has os.cpu_count() cores).
            "loadAverage": {"before": load_before, "after": os.getloadavg()[0], "cores": os.cpu_count()},
            "config": {
                "model": "GRU encoder + GRU decoder, Bahdanau attention, 1 layer, unidirectional, dropout 0",
                "embeddingSize": 128,
                "hiddenSize": 256,
                "attentionSize": 256,
                "sourceVocab": 2000,
                "targetVocab": 2000,
                "batch": args.batch,
                "sourceLength": args.source_length,
                "targetLength": args.target_length,
                "optimizer": "adam",
                "learningRate": args.learning_rate,
                "clipNorm": args.clip_norm,
                "warmupSteps": args.warmup,
                "steps": args.steps,
                "decodeSentences": args.decode_sentences,
                "decodeSourceLength": args.source_length + 1,
                "decodeChunk": args.decode_chunk,
                "maxOutputLength": args.max_output_length,
                "beamSize": args.beam_size,
                "lengthPenalty": args.length_penalty,
            },
            **({"config": batches_summary(args)} if args.batches is not None else {}),
            "threads": runs,
            "best": best,
        }
    )


def batches_summary(args: argparse.Namespace) -> dict:
    """The real-data case's settings: the model of the batches file and its batches."""
    spec, config = batches_config(args.batches)
    return {
        "model": "GRU encoder + GRU decoder, Bahdanau attention, packed encoder, masked attention and loss",
        "embeddingSize": config.embedding_size,
        "hiddenSize": config.hidden_size,
        "sourceVocab": config.source_vocab,
        "targetVocab": config.target_vocab,
        "batches": len(spec["batches"]),
        "optimizer": "adam",
        "learningRate": args.learning_rate,
        "clipNorm": args.clip_norm,
        "warmupSteps": args.warmup,
        "steps": args.steps,
    }


def main() -> None:
    args = parse_args()
    if args.worker > 0:
        run_worker(args)
    elif importlib.util.find_spec("torch") is None:
        torch_missing()
    elif args.count_parameters:
        count_parameters(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
