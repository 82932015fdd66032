"""Greedy and beam search for the benchmark, doing the same work as mtlab's engine/decode/search.ts:
sentences decoded in chunks (mtlab's default: 128 rows, so 128 sentences greedy and 128 // k sentences per beam
chunk), one decoder step for all rows of a chunk at a time, up to a fixed maximum output length.

Beam search keeps k hypotheses per sentence; each step takes the 2k best (beam, token) candidates of every
sentence, finishes those ending in <eos> and keeps the best k others. A sentence is done when it has k finished
hypotheses or reaches the length limit. Finished hypotheses are ranked by log P(Y|X) / lp(Y) with the length
penalty of Wu et al. (2016): lp(Y) = ((5 + |Y|) / 6)^alpha, |Y| counting <eos>.

Unlike mtlab, no attention weights are copied out per step (the benchmark does not use them).
"""

from dataclasses import dataclass, field

import torch

from model import Seq2Seq

SOS_ID = 2
EOS_ID = 3
PAD_ID = 0
UNREACHABLE = -1e30  # stands in for log 0 in beam scores, as in mtlab


@dataclass
class Hypothesis:
    tokens: list[int]
    log_prob: float
    score: float
    finished: bool


@dataclass
class Beam:
    tokens: list[int] = field(default_factory=list)
    log_prob: float = float("-inf")


def length_penalty(length: int, alpha: float) -> float:
    return 1.0 if alpha == 0 else ((5 + length) / 6) ** alpha


def _chunks(sources: torch.Tensor, size: int) -> list[torch.Tensor]:
    return list(torch.split(sources, max(1, size)))


@torch.no_grad()
def greedy_search(model: Seq2Seq, sources: torch.Tensor, max_length: int, chunk_size: int = 128) -> list[Hypothesis]:
    """sources [n, source] ids (ending with <eos>); one hypothesis per sentence."""
    results: list[Hypothesis] = []
    for chunk in _chunks(sources, chunk_size):
        n = chunk.size(0)
        values, keys, state = model.encode(chunk)
        previous = torch.full((n,), SOS_ID, dtype=torch.long)
        finished = torch.zeros(n, dtype=torch.bool)
        log_probs_sum = torch.zeros(n)
        steps: list[torch.Tensor] = []
        for _ in range(max_length):
            state, output = model.decode_step(model.target_embedding(previous), state, keys, values)
            log_probs = torch.log_softmax(model.vocab_projection(output), dim=1)
            best_log_prob, best = log_probs.max(dim=1)
            log_probs_sum += torch.where(finished, torch.zeros_like(best_log_prob), best_log_prob)
            steps.append(torch.where(finished, torch.full_like(best, PAD_ID), best))
            finished |= best == EOS_ID
            if bool(finished.all()):
                break
            previous = best
        table = torch.stack(steps, dim=1).tolist()
        ended = finished.tolist()
        for b in range(n):
            tokens = [t for t in table[b] if t not in (EOS_ID, PAD_ID)]
            log_prob = float(log_probs_sum[b])
            results.append(Hypothesis(tokens, log_prob, log_prob, ended[b]))
    return results


@torch.no_grad()
def beam_search(
    model: Seq2Seq,
    sources: torch.Tensor,
    max_length: int,
    beam_size: int = 5,
    alpha: float = 0.6,
    chunk_size: int = 128,
) -> list[list[Hypothesis]]:
    """sources [n, source] ids (ending with <eos>); the k best hypotheses per sentence, best first."""
    k = max(1, beam_size)
    vocab = model.config.target_vocab
    results: list[list[Hypothesis]] = []
    for chunk in _chunks(sources, chunk_size // k):
        n = chunk.size(0)
        values, keys, state = model.encode(chunk)
        # Row s*k + j is beam j of sentence s.
        repeat = torch.arange(n).repeat_interleave(k)
        values, keys, state = values[repeat], keys[repeat], state[repeat]
        beams = [[Beam([], 0.0 if j == 0 else float("-inf")) for j in range(k)] for _ in range(n)]
        finished: list[list[Hypothesis]] = [[] for _ in range(n)]
        done = [False] * n
        previous = torch.full((n * k,), SOS_ID, dtype=torch.long)
        for t in range(max_length):
            if all(done):
                break
            state, output = model.decode_step(model.target_embedding(previous), state, keys, values)
            log_probs = torch.log_softmax(model.vocab_projection(output), dim=1)
            beam_scores = torch.tensor(
                [[b.log_prob if b.log_prob != float("-inf") else UNREACHABLE] for bs in beams for b in bs]
            )
            candidates = (log_probs + beam_scores).view(n, k * vocab)
            top_values, top_indices = candidates.topk(min(2 * k, k * vocab), dim=1)
            top_values_list, top_indices_list = top_values.tolist(), top_indices.tolist()
            rows = [0] * (n * k)
            next_tokens = [PAD_ID] * (n * k)
            next_beams: list[list[Beam]] = []
            for s in range(n):
                alive: list[Beam] = []
                for value, flat in zip(top_values_list[s], top_indices_list[s]):
                    if len(alive) >= k or done[s] or value <= UNREACHABLE / 10:
                        break
                    origin, token = divmod(flat, vocab)
                    parent = beams[s][origin]
                    if token == EOS_ID:
                        length = len(parent.tokens) + 1
                        finished[s].append(Hypothesis(parent.tokens, value, value / length_penalty(length, alpha), True))
                    else:
                        rows[s * k + len(alive)] = s * k + origin
                        next_tokens[s * k + len(alive)] = token
                        alive.append(Beam(parent.tokens + [token], value))
                if len(finished[s]) >= k:
                    done[s] = True
                # Cut at the length limit: the alive beams end here, unfinished.
                if not done[s] and t + 1 >= max_length:
                    for b in alive:
                        score = b.log_prob / length_penalty(len(b.tokens), alpha)
                        finished[s].append(Hypothesis(b.tokens, b.log_prob, score, False))
                    done[s] = True
                while len(alive) < k:
                    rows[s * k + len(alive)] = s * k
                    alive.append(Beam())
                next_beams.append(alive)
            beams = next_beams
            previous = torch.tensor(next_tokens, dtype=torch.long)
            state = state[torch.tensor(rows, dtype=torch.long)]
        for s in range(n):
            results.append(sorted(finished[s], key=lambda h: h.score, reverse=True)[:k])
    return results
